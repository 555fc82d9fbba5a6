/**
 * The frameworks' own OTel instrumentations, on the shared in-process SDK of test/support/otel.ts,
 * constructed before any framework is required (as an app's tracing set-up would be):
 * - express: `@opentelemetry/instrumentation-express` (middleware, router and request-handler spans);
 * - koa: `@opentelemetry/instrumentation-koa` (middleware and router spans);
 * - fastify: `@fastify/otel`, the fastify team's instrumentation (`@opentelemetry/instrumentation-fastify`
 *   is deprecated and stops at fastify 4). It is a plugin: `app.register(fastifyOtel.plugin())`.
 *
 * RequestIdSpanProcessor, already in the shared provider, stamps `request.id` on their spans.
 */
import { SpanKind } from '@opentelemetry/api';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { KoaInstrumentation } from '@opentelemetry/instrumentation-koa';
import { finishedSpans } from '../support/otel';
import type { ReadableSpan } from '../support/sdk-compat';

export const expressInstrumentation = new ExpressInstrumentation();
export const koaInstrumentation = new KoaInstrumentation();
// @fastify/otel ships CommonJS with `module.exports = FastifyOtelInstrumentation` plus named exports.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { FastifyOtelInstrumentation } = require('@fastify/otel') as typeof import('@fastify/otel');
export const fastifyOtel = new FastifyOtelInstrumentation();

/** The spans of one instrumentation scope (the framework's own), for one trace. */
export function spansOf(scope: string, traceId?: string): ReadableSpan[] {
  return finishedSpans().filter(
    (s) => s.instrumentationScope.name === scope && (traceId === undefined || s.spanContext().traceId === traceId),
  );
}

/** The trace of the SERVER span whose `request.id` is `id`. */
export function traceOf(id: string): string | undefined {
  return finishedSpans(SpanKind.SERVER).find((s) => s.attributes['request.id'] === id)?.spanContext().traceId;
}

/** Waits until `check` passes (spans end a tick after the client has its answer). */
export async function eventually<T>(check: () => T | undefined, timeoutMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for spans');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A request with a body. */
export async function send(url: string, method: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: string }> {
  const res = await fetch(url, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.status, headers: res.headers, body: await res.text() };
}
