import type { Context } from '@opentelemetry/api';
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { processorAttributeName } from './config/compile-config';
import { currentState, stateOf } from './context/request-state';

/**
 * The logs SDK's own processor interface, reached through `@opentelemetry/sdk-node` (a dependency on
 * both SDK lines: `@opentelemetry/sdk-logs` 0.2xx on 2.x, 3.x on 3.x): a type only, so that
 * `import '@rid/otel'` loads no logs SDK.
 */
export type LogRecordProcessor = NonNullable<NodeSDKConfiguration['logRecordProcessors']>[number];
type ReadWriteLogRecord = Parameters<LogRecordProcessor['onEmit']>[0];

export interface RequestIdLogRecordProcessorConfig {
  /** The attribute stamped on every log record emitted inside a request. Default `'request.id'`. */
  attributeName?: string;
}

/**
 * Stamps the request ID on every OpenTelemetry log record emitted in a request's async work (the
 * Logs API, the log sending of instrumentation-pino, -winston and the like), as trace and span IDs
 * are. Put it before the exporting processors: a processor may change a record only in its `onEmit`.
 */
export class RequestIdLogRecordProcessor implements LogRecordProcessor {
  private readonly attributeName: string;

  constructor(config: RequestIdLogRecordProcessorConfig = {}) {
    this.attributeName = processorAttributeName(config);
  }

  onEmit(logRecord: ReadWriteLogRecord, context?: Context): void {
    // The context the record was emitted in (the Logger passes the active one, or the record's own).
    const state = context === undefined ? currentState() : stateOf(context);
    // A value set in the log call itself wins, as with the logger mixins.
    if (state === undefined || logRecord.attributes[this.attributeName] !== undefined) return;
    logRecord.setAttribute(this.attributeName, state.id);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
