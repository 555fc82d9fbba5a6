export { RequestIdInstrumentation } from './instrumentation';
export { getRequestId } from './context/request-state';
export { runWithRequestId } from './context/run-with-request-id';
export { RequestIdPropagator, type RequestIdPropagatorConfig } from './propagator';
export { RequestIdTraceIdGenerator } from './trace-id-generator';
export { RequestIdSpanProcessor, type RequestIdSpanProcessorConfig } from './span-processor';
export { RequestIdLogRecordProcessor, type RequestIdLogRecordProcessorConfig } from './log-record-processor';
export { withRequestId } from './with-request-id';
export { DEFAULT_LOG_KEY, requestIdFormat, requestIdLogHook, requestIdMixin, type RequestIdLogOptions } from './logging';
export { RequestIdConfigError } from './errors';
export { DEFAULT_VALIDATION } from './config/validation';
// The attribute and event names a query needs most: AWS's (semconv's `aws.request_id`, ours under
// `rid.aws.*`) and the downstream echo's. Every other vendor's is `rid.<vendor>.request_id`
// (docs/vendor-request-ids.md), written in a query as a string.
export {
  ATTR_AWS_APIGW_ID,
  ATTR_AWS_CALLS_DROPPED,
  ATTR_AWS_CF_ID,
  ATTR_AWS_EXTENDED_REQUEST_ID,
  ATTR_AWS_REMAPPED_REQUEST_ID,
  ATTR_AWS_REQUEST_ID,
  AWS_CALL_EVENT,
} from './vendors/aws';
export { ATTR_DOWNSTREAM_CALLS_DROPPED, ATTR_DOWNSTREAM_REQUEST_ID, DOWNSTREAM_CALL_EVENT } from './vendors/downstream';
export type {
  CustomVendor,
  Http2IncomingRequest,
  IncomingRequest,
  IncomingValidation,
  LambdaIncomingRequest,
  OutgoingDestination,
  PropagateTo,
  RangeIdOptions,
  RequestIdAlgorithm,
  RequestIdInstrumentationConfig,
  RequestIdRule,
  RequestMatcher,
  RequestPredicate,
  TraceResponse,
  TrustIncoming,
  VendorName,
} from './types';
