/** OTel pieces the benchmark servers share: a span exporter that discards, and a BatchSpanProcessor for either SDK line. */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';

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

/** SDK 2.x takes the exporter; SDK 3.x takes `{ exporter }`. Default batch settings otherwise. */
export function batchProcessor(exporter: SpanExporter): BatchSpanProcessor {
  const Processor = BatchSpanProcessor as unknown as new (arg: unknown) => BatchSpanProcessor;
  return sdkMajor() >= 3 ? new Processor({ exporter }) : new Processor(exporter);
}

function sdkMajor(): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { version } = require('@opentelemetry/sdk-trace-base/package.json') as { version: string };
  return Number(version.split('.')[0]);
}
