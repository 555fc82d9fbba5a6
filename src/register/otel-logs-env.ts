import { diag } from '@opentelemetry/api';
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
  const processors = own ?? logRecordProcessorsFromEnv();
  if (processors === undefined || processors.length === 0) return undefined;
  return [new RequestIdLogRecordProcessor({ attributeName }), ...processors];
}

/**
 * The processors NodeSDK itself would build from the environment. NodeSDK builds them only inside
 * `start()`, with `configureLoggerProviderFromEnv`, into a field of its own, and that method reads
 * nothing else of the instance (sdk-node 0.223 and 0.301 alike): so it runs here on a holder object,
 * and the exporters are exactly NodeSDK's. Should a later sdk-node lack it, logs are still exported
 * as NodeSDK decides, without the request ID, and `diag` says so.
 */
function logRecordProcessorsFromEnv(): LogRecordProcessor[] | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const build = (NodeSDK.prototype as unknown as { configureLoggerProviderFromEnv?: (meterProvider?: unknown) => void }).configureLoggerProviderFromEnv;
  if (typeof build !== 'function') {
    diag.warn('@rid/otel: this @opentelemetry/sdk-node builds its log exporters in a way @rid/otel does not know; log records will not carry the request ID');
    return undefined;
  }
  const holder: { _loggerProviderConfig?: { logRecordProcessors?: LogRecordProcessor[] } } = {};
  build.call(holder);
  return holder._loggerProviderConfig?.logRecordProcessors ?? [];
}
