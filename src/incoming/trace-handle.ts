import { diag, isSpanContextValid, propagation, ROOT_CONTEXT, trace, type Span, type TextMapGetter } from '@opentelemetry/api';
import { randomTraceId, traceIdOf } from '../generators/trace-id';
import type { IncomingAdapter } from '../internal-types';
import type { IncomingRequest as HookRequest } from '../types';
import { NEXT_TRACE_ID, sharedSlot } from '../cross-copy-keys';
import { traceContextFields } from './trace-context-fields';

/**
 * The request ID as the trace's handle (`algorithm: 'trace_id'`, `traceIdFromRequestId`).
 *
 * The decision runs just before the request's SERVER span starts, in the same synchronous run:
 * HttpInstrumentation starts it in the `'request'` emit that follows `http.server.request.start`,
 * and the HTTP/2 adapter right after deciding. When the trace ID must be one we chose, the
 * decision leaves it here, and TraceIdGenerator (trace-id-generator.ts) hands it to the next root
 * span, which is that SERVER span. The adapter clears what is left once that span has started
 * (checkTraceIdTaken); where no span may start (HTTP/1.1's `Expect` requests, which go to
 * `'checkContinue'`), a microtask clears it (expireNextTraceId): never on every request, since
 * queueMicrotask makes an async resource, with the async hooks every AsyncLocalStorage enables.
 *
 * A shared slot: the copy of this package that decides and the one whose generator the SDK holds
 * may differ (two versions in node_modules).
 */
/** The chosen trace ID, and the request it was chosen for. */
type Slot = { id: string | undefined; owner: unknown };
const slot: Slot = sharedSlot<Slot>(NEXT_TRACE_ID, () => ({ id: undefined, owner: undefined }));

/** The trace ID the next root span takes, once; undefined when none was chosen. */
export function takeNextTraceId(): string | undefined {
  const id = slot.id;
  if (id !== undefined) clearNextTraceId();
  return id;
}

/** `00-<trace-id>-<span-id>-<flags>`, the W3C form of a span's context (traceparent, traceresponse). */
export function traceContextValue(span: Span): string {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${traceFlags < 16 ? '0' : ''}${(traceFlags & 0xff).toString(16)}`;
}

/** The Server-Timing entry that carries a span's context to a page's script (with Timing-Allow-Origin). */
export function serverTimingEntry(traceContext: string): string {
  return `traceparent;desc="${traceContext}"`;
}

/**
 * Called once the request's SERVER span has started, or could have: a trace ID chosen for the
 * request and left untaken means the span came from a tracer provider without
 * RequestIdTraceIdGenerator; said once. Clears it either way.
 */
export function checkTraceIdTaken(span: Span | undefined): void {
  if (slot.id === undefined) return;
  clearNextTraceId();
  if (span === undefined || untakenWarned) return;
  untakenWarned = true;
  diag.warn(
    "@rid/otel: a request's SERVER span did not take the trace ID chosen for it (algorithm 'trace_id' or traceIdFromRequestId): " +
      "the tracer provider's idGenerator is not RequestIdTraceIdGenerator. withRequestId() and @rid/otel/register install it; " +
      'with a TracerProvider of your own, pass it `idGenerator: new RequestIdTraceIdGenerator()`.',
  );
}
let untakenWarned = false;

function clearNextTraceId(): void {
  slot.id = undefined;
  slot.owner = undefined;
}

function setNextTraceId(id: string, owner: unknown): void {
  slot.id = id;
  slot.owner = owner;
}

/** For a request whose SERVER span may never start: whatever is left is cleared once the stack unwinds. */
export function expireNextTraceId(): void {
  if (slot.id !== undefined) queueMicrotask(clearNextTraceId);
}

/** Header lookups through the transport's adapter, for the configured propagators' extract. */
const getters = new WeakMap<object, TextMapGetter<HookRequest>>();
function getterFor<Req extends HookRequest, Res>(adapter: IncomingAdapter<Req, Res>): TextMapGetter<HookRequest> {
  let getter = getters.get(adapter);
  if (getter === undefined) {
    // keys: X-Ray's extract finds its header among them, whatever its case (it reads none without).
    getter = { get: (request, key) => adapter.header(request as Req, key), keys: (request) => Object.keys(request.headers) };
    getters.set(adapter, getter);
  }
  return getter;
}

/** The trace the caller's trace context (`traceparent`, or whatever propagators are configured) continues, if a valid one came; no extract when none of the propagator's headers came (trace-context-fields.ts). */
function incomingTraceId<Req extends HookRequest, Res>(adapter: IncomingAdapter<Req, Res>, request: Req): string | undefined {
  const fields = traceContextFields();
  if (fields !== undefined && !hasAnyHeader(adapter, request, fields)) return undefined;
  const spanContext = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, request, getterFor(adapter)));
  return spanContext !== undefined && isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

function hasAnyHeader<Req extends HookRequest, Res>(adapter: IncomingAdapter<Req, Res>, request: Req, names: readonly string[]): boolean {
  for (let i = 0; i < names.length; i++) if (adapter.header(request, names[i]) !== undefined) return true;
  return false;
}

/**
 * `algorithm: 'trace_id'`: the request's trace ID, as the new request ID. The caller's when its
 * trace context came, else a new random one, which the SERVER span about to start then takes.
 */
export function requestTraceId<Req extends HookRequest, Res>(adapter: IncomingAdapter<Req, Res>, request: Req): string {
  const incoming = incomingTraceId(adapter, request);
  if (incoming !== undefined) return incoming;
  // Another rule of the same decision chose it already: one request, one trace.
  if (slot.id !== undefined && slot.owner === request) return slot.id;
  const id = randomTraceId();
  setNextTraceId(id, request);
  return id;
}

/**
 * `traceIdFromRequestId`: a reused (valid, trusted) incoming ID that is 32 hex characters or a
 * UUID starts the request's trace, when no trace context came. The request ID stays as it came.
 */
export function seedTraceFromRequestId<Req extends HookRequest, Res>(adapter: IncomingAdapter<Req, Res>, request: Req, requestId: string): void {
  const id = traceIdOf(requestId);
  if (id !== undefined && incomingTraceId(adapter, request) === undefined) setNextTraceId(id, request);
}
