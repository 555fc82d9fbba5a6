/**
 * The one module that uses NodeSDK's private log set-up: NodeSDK builds the log record processors
 * of `OTEL_LOGS_EXPORTER` (default `otlp`), `OTEL_EXPORTER_OTLP_[LOGS_]PROTOCOL` and `OTEL_BLRP_*`
 * only inside `start()`, with `configureLoggerProviderFromEnv`, into its own `_loggerProviderConfig`,
 * and that method reads nothing else of the instance (sdk-node 0.223 and 0.301 alike). So it runs
 * here on a holder object, and the exporters are exactly NodeSDK's. The method is looked up once,
 * at the first call (sdk-node is loaded then, not before: it is an optional peer and costly to
 * load). When it is missing, the public fallback: NodeSDK builds its processors itself and log
 * records are exported without the request ID, said once through diag;
 * test/internals/sdk-node-logs.test.ts fails loudly when it is.
 */
import { diag } from '@opentelemetry/api';
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';

type LogRecordProcessor = NonNullable<NodeSDKConfiguration['logRecordProcessors']>[number];
type Build = (this: object, meterProvider?: unknown) => void;

let build: Build | null | undefined;

/** NodeSDK's builder of log processors from the environment; null when this sdk-node has none. */
function builder(): Build | null {
  if (build !== undefined) return build;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const found = (NodeSDK.prototype as unknown as { configureLoggerProviderFromEnv?: unknown }).configureLoggerProviderFromEnv;
  build = typeof found === 'function' ? (found as Build) : null;
  if (build === null) diag.warn('@rid/otel: this @opentelemetry/sdk-node builds its log exporters in a way @rid/otel does not know; log records will not carry the request ID');
  return build;
}

/**
 * The processors NodeSDK itself would build from the environment, or `undefined` when this
 * sdk-node's builder was not found (NodeSDK then builds them, without the request ID).
 */
export function nodeSdkLogProcessorsFromEnv(): LogRecordProcessor[] | undefined {
  const run = builder();
  if (run === null) return undefined;
  const holder: { _loggerProviderConfig?: { logRecordProcessors?: LogRecordProcessor[] } } = {};
  run.call(holder);
  return holder._loggerProviderConfig?.logRecordProcessors ?? [];
}

/** For tests: whether NodeSDK's builder was found on this sdk-node. */
export function usesNodeSdkLogBuilder(): boolean {
  return builder() !== null;
}
