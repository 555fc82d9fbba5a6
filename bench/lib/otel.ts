/** OTel pieces the benchmark servers share: a span exporter that discards, and a BatchSpanProcessor for either SDK line. */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';

/** Counts the spans it is given and drops them: the export path runs, nothing leaves the process. */
export class DiscardingExporter implements SpanExporter {
  exported = 0;

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.exported += spans.length;
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** `@opentelemetry/sdk-trace` takes `{ exporter }` on both SDK lines. Default batch settings otherwise. */
export function batchProcessor(exporter: SpanExporter): BatchSpanProcessor {
  return new BatchSpanProcessor({ exporter });
}
