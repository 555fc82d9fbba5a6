import { SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';

/** SDK 2.x takes the exporter; SDK 3.x takes `{ exporter }`. */
export function simpleProcessor(exporter: SpanExporter): SimpleSpanProcessor {
  const Processor = SimpleSpanProcessor as unknown as new (arg: unknown) => SimpleSpanProcessor;
  return sdkMajor() >= 3 ? new Processor({ exporter }) : new Processor(exporter);
}

function sdkMajor(): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { version } = require('@opentelemetry/sdk-trace-base/package.json') as { version: string };
  return Number(version.split('.')[0]);
}
