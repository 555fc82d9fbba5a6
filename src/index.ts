export { RequestIdInstrumentation } from './instrumentation';
export { getRequestId } from './context';
export { runWithRequestId } from './run-with-request-id';
export { RequestIdPropagator, type RequestIdPropagatorConfig } from './propagator';
export { RequestIdSpanProcessor, type RequestIdSpanProcessorConfig } from './span-processor';
export { RequestIdConfigError } from './errors';
export { DEFAULT_VALIDATION } from './validation';
export type {
  AlgorithmName,
  IncomingValidation,
  OutgoingDestination,
  PropagateTo,
  RangeIdOptions,
  RequestIdAlgorithm,
  RequestIdInstrumentationConfig,
  RequestIdRule,
  RequestMatcher,
  TrustIncoming,
} from './types';
