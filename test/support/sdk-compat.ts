/**
 * The SDK pieces the tests build, from whichever OTel JS SDK line is installed, so the same suite
 * runs on SDK 2.x (0.2xx packages; the repository's own node_modules) and SDK 3.x (0.30x
 * packages; compat/sdk3). See compat/README.md.
 *
 * `@opentelemetry/sdk-trace` is the tracing SDK of both lines (2.9+ and 3.x): it takes
 * `new SimpleSpanProcessor({ exporter })` on both. The 2.x-only `sdk-trace-base` (a shim with the
 * old `new SimpleSpanProcessor(exporter)` signature) and `sdk-trace-node` do not exist on 3.x.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { context, propagation, trace, type TextMapPropagator } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { RequestIdTraceIdGenerator } from '../../src/trace-id-generator';

export { InMemorySpanExporter, type ReadableSpan, type SpanExporter, type SpanProcessor };

/** A SimpleSpanProcessor on either line (both take `{ exporter }` in `@opentelemetry/sdk-trace`). */
export function simpleProcessor(exporter: SpanExporter): SpanProcessor {
  return new SimpleSpanProcessor({ exporter });
}

/**
 * What `new NodeTracerProvider({ spanProcessors }).register({ propagator })` does on 2.x, on either
 * line: the provider, the AsyncLocalStorage context manager and the propagator (default W3C
 * trace context and baggage), all global. The API sets each global once: a second set is refused.
 */
export function registerTracerProvider(spanProcessors: SpanProcessor[], propagator?: TextMapPropagator): TracerProvider {
  // The generator withRequestId() and register install: `algorithm: 'trace_id'` and traceIdFromRequestId need it.
  const provider = new TracerProvider({ spanProcessors, idGenerator: new RequestIdTraceIdGenerator() });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(propagator ?? new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  return provider;
}

/** The major version of the installed SDK line: 2 or 3. */
export function sdkMajor(): number {
  // 3.x does not export its package.json; find it above the entry point.
  let dir = dirname(require.resolve('@opentelemetry/sdk-trace'));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return Number((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version.split('.')[0]);
}
