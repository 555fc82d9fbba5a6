/**
 * One real OTel SDK for the whole mocha run, as an app would have: a tracer provider with an
 * in-memory exporter and RequestIdSpanProcessor (`@opentelemetry/sdk-trace`, on either SDK line), the AsyncLocalStorage context manager,
 * HttpInstrumentation and UndiciInstrumentation (fetch). Tests
 * create their own RequestIdInstrumentation and disable it afterwards.
 */
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { SpanKind } from '@opentelemetry/api';
import { RequestIdSpanProcessor } from '../../src';
import { InMemorySpanExporter, registerTracerProvider, simpleProcessor, type ReadableSpan, type SpanProcessor } from './sdk-compat';

export const exporter = new InMemorySpanExporter();
// RequestIdSpanProcessor first: a span is stamped before the exporter sees it end. The same
// provider on SDK 2.x and 3.x (see sdk-compat.ts).
export const provider = registerTracerProvider([new RequestIdSpanProcessor() as SpanProcessor, simpleProcessor(exporter)]);

export const httpInstrumentation = new HttpInstrumentation();
export const undiciInstrumentation = new UndiciInstrumentation();
// HttpInstrumentation patches `http` when it is next required.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('node:http');

/** Every diag line, for tests that check what was reported. */
export const diagLines: { level: string; message: string }[] = [];
const collector: DiagLogger = {
  // A component logger passes its namespace first, then the message.
  error: (...args) => diagLines.push({ level: 'error', message: args.join(' ') }),
  warn: (...args) => diagLines.push({ level: 'warn', message: args.join(' ') }),
  info: (...args) => diagLines.push({ level: 'info', message: args.join(' ') }),
  debug: () => undefined,
  verbose: () => undefined,
};
diag.setLogger(collector, { logLevel: DiagLogLevel.INFO, suppressOverrideMessage: true });

export function finishedSpans(kind?: SpanKind): ReadableSpan[] {
  const spans = exporter.getFinishedSpans();
  return kind === undefined ? spans : spans.filter((s) => s.kind === kind);
}

export function resetSpans(): void {
  exporter.reset();
  diagLines.length = 0;
}

/** Spans end on the response's `close`, a tick after the client has its answer. */
export async function waitForSpans(kind: SpanKind, count: number, timeoutMs = 2000): Promise<ReadableSpan[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const spans = finishedSpans(kind);
    if (spans.length >= count || Date.now() > deadline) return spans;
    await new Promise((r) => setTimeout(r, 5));
  }
}
