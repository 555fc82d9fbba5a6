export { RequestIdInstrumentation } from './instrumentation';
export { getRequestId } from './context/request-state';
export { runWithRequestId } from './context/run-with-request-id';
export { RequestIdPropagator, type RequestIdPropagatorConfig } from './propagator';
export { RequestIdSpanProcessor, type RequestIdSpanProcessorConfig } from './span-processor';
export { RequestIdLogRecordProcessor, type RequestIdLogRecordProcessorConfig } from './log-record-processor';
export { withRequestId } from './with-request-id';
export { DEFAULT_LOG_KEY, requestIdFormat, requestIdLogHook, requestIdMixin, type RequestIdLogOptions } from './logging';
export { RequestIdConfigError } from './errors';
export { DEFAULT_VALIDATION } from './config/validation';
export {
  ATTR_AWS_APIGW_ID,
  ATTR_AWS_CALLS_DROPPED,
  ATTR_AWS_CF_ID,
  ATTR_AWS_EXTENDED_REQUEST_ID,
  ATTR_AWS_REMAPPED_REQUEST_ID,
  ATTR_AWS_REQUEST_ID,
  AWS_CALL_EVENT,
  MAX_AWS_CALL_EVENTS,
} from './vendors/aws';
export { ATTR_OPENAI_REQUEST_ID } from './vendors/openai';
export { ATTR_ANTHROPIC_REQUEST_ID } from './vendors/anthropic';
export { ATTR_STRIPE_REQUEST_ID } from './vendors/stripe';
export { ATTR_GITHUB_REQUEST_ID } from './vendors/github';
export { ATTR_AZURE_APIM_REQUEST_ID, ATTR_AZURE_REQUEST_ID } from './vendors/azure';
export { ATTR_TWILIO_REQUEST_ID } from './vendors/twilio';
export { ATTR_CLOUDFLARE_RAY_ID } from './vendors/cloudflare';
export { ATTR_SLACK_REQUEST_ID } from './vendors/slack';
export { ATTR_SHOPIFY_REQUEST_ID } from './vendors/shopify';
export { ATTR_DOWNSTREAM_CALLS_DROPPED, ATTR_DOWNSTREAM_REQUEST_ID, DOWNSTREAM_CALL_EVENT } from './vendors/downstream';
export { MAX_CALL_EVENTS } from './vendors/vendor';
export { BUILT_IN_VENDORS } from './vendors';
export type { HostPattern, ResponseIdVendor, VendorId } from './vendors/vendor';
export type {
  AlgorithmName,
  CustomVendor,
  Http2IncomingRequest,
  IncomingRequest,
  IncomingValidation,
  OutgoingDestination,
  PropagateTo,
  RangeIdOptions,
  RequestIdAlgorithm,
  RequestIdInstrumentationConfig,
  RequestIdRule,
  RequestMatcher,
  RequestPredicate,
  TrustIncoming,
  VendorName,
} from './types';
