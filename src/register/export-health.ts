import { BroadcastChannel } from 'node:worker_threads';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { logger } from '../diag';
import { unreachable } from './endpoint-probe';
import type { Warn } from './env-config';
import { tcpTarget } from './otlp-endpoint';

/** `ExportResultCode.SUCCESS` is 0 on both SDK lines. */
type ExportResult = { code: number; error?: Error };

/** Threads of one process share what they have told, so that the process says it once. */
const TOLD_CHANNEL = '@rid/otel:export-told';

/**
 * Whether the spans sent to one OTLP endpoint arrive. The first failure after a start or after a
 * success is told in one line (`tell`; none when undefined); later failures are not, until an
 * export succeeds again.
 */
export class ExportHealth {
  /** What the last export that finished did; `unknown` until one has. */
  private last: 'unknown' | 'succeeded' | 'failed' = 'unknown';
  /** Told since the last success, by this thread or by another of the process. */
  private told = false;
  /** Exports handed to the exporter whose result has not come back. */
  private exporting = 0;
  private readonly channel: BroadcastChannel | undefined;

  constructor(
    readonly endpoint: string,
    private readonly tell: Warn | undefined,
  ) {
    if (tell === undefined) return;
    this.channel = new BroadcastChannel(TOLD_CHANNEL);
    this.channel.unref();
    this.channel.onmessage = (event) => {
      if ((event as MessageEvent).data?.endpoint === endpoint) this.told = true;
    };
  }

  /** `exporter`, with every export's result seen here on its way back to the span processor. */
  watch(exporter: SpanExporter): SpanExporter {
    return new WatchedExporter(exporter, this);
  }

  started(): void {
    this.exporting++;
  }

  succeeded(): void {
    this.exporting--;
    this.last = 'succeeded';
    this.told = false;
  }

  failed(reason: unknown): void {
    this.exporting--;
    this.record(reason);
  }

  private record(reason: unknown): void {
    this.last = 'failed';
    if (this.told || this.tell === undefined) return;
    this.told = true;
    this.tell(
      `@rid/otel: spans are not reaching ${this.endpoint} (${reasonText(reason)}). ` +
        'Point OTEL_EXPORTER_OTLP_ENDPOINT at your collector, or see spans here with OTEL_TRACES_EXPORTER=console; OTEL_LOG_LEVEL=none hides this line.',
    );
    this.channel?.postMessage({ endpoint: this.endpoint });
  }

  /**
   * True when nothing still held for the endpoint could be delivered: the last export failed or,
   * before any export has finished, a connection to it is refused (a probe of at most
   * `timeoutMs`). A collector that has been taking spans is not probed. Called as the SDK flushes:
   * a refusal is told if spans are on their way, which a thread that ended none has not.
   */
  async undeliverable(timeoutMs: number): Promise<boolean> {
    if (this.last !== 'unknown') return this.last === 'failed';
    const target = tcpTarget(this.endpoint);
    if (target === undefined) return false;
    const err = await unreachable(target, timeoutMs);
    if (err === undefined) return false;
    if (this.exporting > 0) this.record(err);
    else this.last = 'failed';
    return true;
  }
}

class WatchedExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly health: ExportHealth,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.health.started();
    this.inner.export(spans, (result) => {
      try {
        if (result.code === 0) this.health.succeeded();
        else this.health.failed(result.error);
      } catch (err) {
        logger.error('could not record an export result', err);
      }
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** What went wrong, in a few words: `connect ECONNREFUSED 127.0.0.1:4318`, `HTTP 404 Not Found`, `Request timed out`. */
function reasonText(reason: unknown): string {
  if (!(reason instanceof Error)) return reason === undefined ? 'export failed' : String(reason);
  const code = (reason as { code?: unknown }).code;
  // OTLPExporterError carries the HTTP status as a number; gRPC errors carry theirs in the message.
  if (reason.name === 'OTLPExporterError' && typeof code === 'number') return `HTTP ${code}${reason.message ? ` ${reason.message}` : ''}`;
  if (reason.message) return reason.message;
  // Node's connection attempts to every address of a name fail as one AggregateError with no message.
  const first = (reason as { errors?: unknown[] }).errors?.[0];
  if (first !== undefined) return reasonText(first);
  return typeof code === 'string' ? code : reason.name;
}
