export { RequestIdInstrumentation } from './instrumentation';
export { getRequestId } from './context/request-state';
export { runWithRequestId } from './context/run-with-request-id';
export { RequestIdPropagator, type RequestIdPropagatorConfig } from './propagator';
export { RequestIdSpanProcessor, type RequestIdSpanProcessorConfig } from './span-processor';
export { RequestIdLogRecordProcessor, type RequestIdLogRecordProcessorConfig } from './log-record-processor';
export { withRequestId } from './with-request-id';
export { DEFAULT_LOG_KEY, requestIdFormat, requestIdLogHook, requestIdMixin, type RequestIdLogOptions } from './logging';
export { RequestIdConfigError } from './config/errors';
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
} from './capture/vendors/aws';
export type {
  AlgorithmName,
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
} from './types';
