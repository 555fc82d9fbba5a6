import { nodeSdkLogProcessorsFromEnv } from '../internals/sdk-node-logs';
import { RequestIdLogRecordProcessor, type LogRecordProcessor } from '../log-record-processor';

/** What a NodeSDK configuration says about log record processors (2.x also has the deprecated single one). */
interface LogsConfig {
  logRecordProcessors?: LogRecordProcessor[];
  logRecordProcessor?: LogRecordProcessor;
}

/**
 * NodeSDK's `logRecordProcessors` with RequestIdLogRecordProcessor first: in front of your own
 * processors when `sdkConfig` has them, else in front of what NodeSDK builds from
 * `OTEL_LOGS_EXPORTER` (default `otlp`), `OTEL_EXPORTER_OTLP_[LOGS_]PROTOCOL` and `OTEL_BLRP_*`.
 * `undefined` leaves the choice to NodeSDK: no logs are exported (`none`), or its builder was not found.
 */
export function logRecordProcessorsWithRequestId(attributeName: string | undefined, sdkConfig: LogsConfig = {}): LogRecordProcessor[] | undefined {
  const own = sdkConfig.logRecordProcessors ?? (sdkConfig.logRecordProcessor && [sdkConfig.logRecordProcessor]);
  // An empty list of your own means "no logs": stamping would be wasted work.
  if (own !== undefined && own.length === 0) return [];
  // Else what NodeSDK itself would build from the environment (internals/sdk-node-logs.ts).
  const processors = own ?? nodeSdkLogProcessorsFromEnv();
  if (processors === undefined || processors.length === 0) return undefined;
  return [new RequestIdLogRecordProcessor({ attributeName }), ...processors];
}
