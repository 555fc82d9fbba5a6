import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { logger } from '../diag';

/** `ExportResultCode.FAILED` is 1 on both SDK lines. */
const FAILED = 1;
type ExportResult = { code: number; error?: Error };

/**
 * A span exporter made at its first export instead of at start-up. The OTLP exporters are the
 * largest part of register's start-up: the protobuf one loads the OTLP transformer, which loads
 * the metrics SDK for its metrics serializer (150 of 730 ms in a require trace on a loaded machine,
 * docs/benchmarks.md), and a process that ends no span (a CLI, a test runner's worker) never needs
 * them. The batch processor first exports after its delay (5 s by default) or at a flush, so the
 * load moves there; the spans wait in its queue meanwhile, as they always did.
 */
export class DeferredExporter implements SpanExporter {
  private made: SpanExporter | undefined;
  private failure: Error | undefined;

  /** `make` runs once, at the first export; a throw fails that export and every later one. */
  constructor(private readonly make: () => SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const exporter = this.exporter();
    if (exporter === undefined) return resultCallback({ code: FAILED, error: this.failure });
    exporter.export(spans, resultCallback);
  }

  /** Nothing to stop when no export was ever asked for. */
  shutdown(): Promise<void> {
    return this.made?.shutdown() ?? Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return this.made?.forceFlush?.() ?? Promise.resolve();
  }

  private exporter(): SpanExporter | undefined {
    if (this.made !== undefined || this.failure !== undefined) return this.made;
    try {
      this.made = this.make();
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
      logger.error(`could not load the span exporter; no span will be exported: ${this.failure.message}`);
    }
    return this.made;
  }
}
