import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { logger } from '../diag';

/** `ExportResultCode.FAILED` is 1 on both SDK lines. */
const FAILED = 1;
type ExportResult = { code: number; error?: Error };

/**
 * A span exporter made after start-up, when it is first needed. The OTLP exporters are the
 * largest part of register's start-up: the protobuf one loads the OTLP transformer, which loads
 * the metrics SDK for its metrics serializer (150 of 730 ms in a require trace on a loaded machine,
 * docs/benchmarks.md), and a process that ends no span (a CLI, a test runner's worker) never needs
 * them. It is made once a span has ended (`MakeExporterOnFirstSpan`, off that request's path), or at the
 * first export if that comes sooner; the spans wait in the batch processor's queue meanwhile, as
 * they always did.
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

  /** Makes it now, unless made or failed already. */
  prepare(): void {
    this.exporter();
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

/**
 * `processor` (the batch processor of `exporter`), which also makes the exporter once the first
 * span has ended, in a later turn (after that request's response), rather than at the first
 * export: that export may come from a flush on SIGTERM, after which the app's own handler may
 * exit within 100 ms (test/register/register.test.ts); loading the exporter then would take from
 * that time. Per span afterwards: one property read.
 */
export class MakeExporterOnFirstSpan implements SpanProcessor {
  private scheduled = false;

  constructor(
    private readonly processor: SpanProcessor,
    private readonly exporter: DeferredExporter,
  ) {}

  onStart(span: Span, parentContext: Context): void {
    this.processor.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    this.processor.onEnd(span);
    if (this.scheduled) return;
    this.scheduled = true;
    // Unreferenced: it never keeps alive a process that would end (its last flush makes the exporter then).
    setImmediate(() => this.exporter.prepare()).unref();
  }

  forceFlush(): Promise<void> {
    return this.processor.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.processor.shutdown();
  }
}
