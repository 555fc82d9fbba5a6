import { hasSubscribers } from 'node:diagnostics_channel';
import { context, SpanKind, trace, TraceFlags, type Context, type Span, type SpanContext } from '@opentelemetry/api';
import { stateOf } from '../context/request-state';
import type { Guard } from '../diag';
import { UNDICI_CLIENT_SEND_HEADERS } from '../internals/channels';
import { undiciHeaderValue, type UndiciRequest } from '../internals/undici';
import { destinationFromOrigin, portOf } from '../http/destination';
import { CONTEXT, nowMs, OWN, START, CALLER_STATE, TABLE, type Claimed } from './claim';
import { idsFromBufferHeaders } from './response-headers';
import type { CaptureSpans } from './spans';

/** undici's request (internals/undici.ts) as the capture reads it: any field may be missing on an undici that differs; the claim marks are ours. */
type UndiciRequestLike = Partial<UndiciRequest> & Claimed;

interface UndiciHeadersMessage {
  request: UndiciRequestLike;
  response: { statusCode: number; headers: unknown };
}

/** What the fetch call itself carried in header `key` (the downstream echo compares with it). */
function sentHeader(request: UndiciRequestLike, key: string): string | undefined {
  return undiciHeaderValue(request.headers, key);
}

/**
 * The undici (global `fetch`) adapter of the capture: `undici:request:create`, `:headers`,
 * `:trailers` and `:error`. Every fetch response with IDs gets a span of ours, since
 * instrumentation-undici never makes its span active nor hands it out.
 */
export class FetchCapture {
  constructor(
    private readonly spans: CaptureSpans,
    private readonly guard: Guard,
  ) {}

  /** `undici:request:create` fires synchronously inside `fetch()`, in the caller's context. */
  readonly onRequest = (message: unknown): void => {
    try {
      const request = (message as { request: UndiciRequestLike }).request;
      if (request[CONTEXT] !== undefined) return;
      const ctx = context.active();
      request[CONTEXT] = ctx;
      if (typeof request.origin === 'string') request[TABLE] = this.spans.table.forOrigin(request.origin);
      const state = stateOf(ctx);
      if (state !== undefined) request[CALLER_STATE] = state;
      // Every fetch response with IDs gets a span of ours (see onResponse): it starts here.
      request[START] = nowMs();
    } catch (err) {
      this.guard.report('capture:fetch-request', 'could not prepare request ID capture (AWS and other vendors) for a fetch call; it goes on unrecorded', err);
    }
  };

  /** `undici:request:headers`: the response headers as `[name, value, …]` Buffers. */
  readonly onResponse = (message: unknown): void => {
    try {
      const { request, response } = message as UndiciHeadersMessage;
      const ctx = request[CONTEXT];
      if (ctx === undefined) return;
      request[CONTEXT] = undefined;
      const table = request[TABLE] ?? (typeof request.origin === 'string' ? this.spans.table.forOrigin(request.origin) : this.spans.table.unlisted);
      const ids = idsFromBufferHeaders(table, response.headers, request, sentHeader);
      if (ids === undefined) return;
      const method = typeof request.method === 'string' ? request.method : 'GET';
      const destination = typeof request.origin === 'string' ? destinationFromOrigin(request.origin) : undefined;
      const call = { method, status: response.statusCode, host: destination?.hostname };
      const port = destination === undefined ? undefined : portOf(destination);
      const state = request[CALLER_STATE];
      // When another instrumentation made a span for this call, ours is an INTERNAL child of it
      // (found by the trace header it injected), not a second CLIENT span.
      let target: Span;
      const other = injectedSpanContext(request.headers, ctx);
      if (other !== undefined) {
        target = this.spans.startOwnSpan(request, state, trace.setSpanContext(ctx, other), SpanKind.INTERNAL, call, port, ids.vendor);
      } else if (hasSubscribers(UNDICI_CLIENT_SEND_HEADERS)) {
        // A tracer of fetch is there (instrumentation-undici subscribes to this channel, we do
        // not) but its span could not be found (no W3C or X-Ray propagator): still no second CLIENT span.
        target = this.spans.startOwnSpan(request, state, ctx, SpanKind.INTERNAL, call, port, ids.vendor);
      } else {
        target = this.spans.startOwnSpan(request, state, ctx, SpanKind.CLIENT, call, port, ids.vendor);
      }
      this.spans.record(target, this.spans.operationSpan(request, trace.getSpan(ctx)), state, ids, call);
    } catch (err) {
      this.guard.report('capture:fetch-response', 'could not record the request IDs (AWS and other vendors) of a fetch response', err);
    }
  };

  /** `undici:request:trailers` (body done) or `undici:request:error` (`{ request, error }`). */
  readonly onEnd = (message: unknown): void => {
    const { request, error } = message as { request?: Claimed; error?: unknown };
    if (request?.[OWN] === undefined) return;
    this.guard.run('capture:fetch-end', 'could not end the span of a fetch call with vendor request IDs', () => this.spans.endOwnSpan(request, error));
  };
}

/**
 * The span that another instrumentation made for a fetch call, from the trace header it injected
 * (W3C `traceparent`, else the X-Ray propagator's `X-Amzn-Trace-Id`), unless it is the caller's own.
 */
function injectedSpanContext(headers: unknown, parent: Context): SpanContext | undefined {
  let traceId: string | undefined;
  let spanId: string | undefined;
  let sampled: boolean;
  const traceparent = undiciHeaderValue(headers, 'traceparent');
  const w3c = traceparent === undefined ? null : /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(traceparent.trim());
  if (w3c !== null) {
    [, traceId, spanId] = w3c;
    sampled = (parseInt(w3c[3], 16) & TraceFlags.SAMPLED) !== 0;
  } else {
    const xray = undiciHeaderValue(headers, 'x-amzn-trace-id');
    const root = xray === undefined ? null : /(?:^|;)\s*Root=1-([0-9a-f]{8})-([0-9a-f]{24})/i.exec(xray);
    const parentId = xray === undefined ? null : /(?:^|;)\s*Parent=([0-9a-f]{16})/i.exec(xray);
    if (root === null || parentId === null) return undefined;
    traceId = (root[1] + root[2]).toLowerCase();
    spanId = parentId[1].toLowerCase();
    sampled = /(?:^|;)\s*Sampled=1/.test(xray!);
  }
  if (spanId === trace.getSpan(parent)?.spanContext().spanId) return undefined;
  return { traceId: traceId!, spanId: spanId!, traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: false };
}
