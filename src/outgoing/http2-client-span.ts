import type { ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2';
import { SpanKind, SpanStatusCode, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { OutgoingDestination } from '../http/destination';
import type { RequestIdState } from '../context/request-state';
import { H2_CALL as CALL, HTTP2_CLIENT_CALLS, sharedSlot } from '../cross-copy-keys';
import { HookRegistry } from '../hook-registry';
import type { Headers } from '../internals/node-http2';
import { portOf, validPort } from '../http/destination';

/**
 * The CLIENT spans of outgoing HTTP/2 calls, which no OpenTelemetry instrumentation makes: one per
 * stream, started by the adapter (http2-client.ts) inside `session.request()` and ended at the
 * stream's close, and the list of response hooks (the capture) that see each call's response head.
 */

/** One outgoing HTTP/2 stream as the response hooks (the capture) see it. */
export interface Http2Call {
  /** Our CLIENT span, unless tracing was suppressed or another instrumentation makes them. */
  readonly span: Span | undefined;
  /** The context active at `session.request()`: the caller's (an SDK's operation span). */
  readonly parent: Context;
  /** The incoming request being served, when there is one. */
  readonly state: RequestIdState | undefined;
  readonly method: string;
  /** Where the session connects (not the `:authority` header), as the vendor tables match it. */
  readonly host: string | undefined;
  /** The request headers as sent (the copy with the IDs): a downstream's echo is compared with them. */
  sent: Headers;
  status: number;
  /** Set by the first capture that sees the response: two instances or two copies record it once. */
  captured: boolean;
}

/** The call as its adapters see it, before the stream exists. */
export interface PendingCall extends Http2Call {
  readonly destination: OutgoingDestination | undefined;
}

/**
 * Runs on each response head of an outgoing HTTP/2 stream (`'response'`), before the app's
 * listeners. `raw` is Node's `[name, value, …]` (each repeated header apart), when it passes one.
 */
export type Http2ResponseHook = (headers: IncomingHttpHeaders, call: Http2Call, raw: readonly string[] | undefined) => void;

/**
 * What every instance and every copy of this package shares about outgoing HTTP/2 calls (a
 * cross-copy slot, HTTP2_CLIENT_CALLS). Each `session.request()` runs every enabled instance's
 * hooks in turn: the first makes the call (one CLIENT span, the trace header naming it) and leaves
 * it in `pending`; the later ones see it there and only add their IDs; the first stream hook takes
 * it. The response hooks are one list (hook-registry.ts), so that whichever copy made the call,
 * every capture sees it (and the first records it).
 */
interface SharedCalls {
  pending: PendingCall | undefined;
  responseHooks: readonly Http2ResponseHook[];
}
const shared = new HookRegistry<SharedCalls>(sharedSlot(HTTP2_CLIENT_CALLS, () => ({ pending: undefined, responseHooks: [] })));
export const calls: SharedCalls = shared.lists;

export function addHttp2ResponseHook(hook: Http2ResponseHook): void {
  shared.add('responseHooks', hook);
}

export function removeHttp2ResponseHook(hook: Http2ResponseHook): void {
  shared.remove('responseHooks', hook);
}

type WithCall = ClientHttp2Stream & { [CALL]?: Http2Call };

export function startClientSpan(tracer: Tracer, method: string, destination: OutgoingDestination | undefined, url: string, parent: Context): Span {
  const attributes: Attributes = { 'http.request.method': method, 'url.full': url, 'network.protocol.name': 'http', 'network.protocol.version': '2' };
  if (destination !== undefined) {
    attributes['server.address'] = destination.hostname;
    const port = portOf(destination);
    if (validPort(port)) attributes['server.port'] = port;
  }
  return tracer.startSpan(method, { kind: SpanKind.CLIENT, attributes }, parent);
}

/** Follows `call` on its stream: the response head goes to the response hooks, the close ends the span. */
export function followCall(stream: ClientHttp2Stream, call: Http2Call): void {
  (stream as WithCall)[CALL] = call;
  stream.once('response', onResponse);
  stream.once('close', onClose);
}

/** One function for every stream (`this` is the stream): no closure per call. */
function onResponse(this: WithCall, headers: IncomingHttpHeaders, _flags: number, raw?: unknown): void {
  const call = this[CALL];
  if (call === undefined) return;
  call.status = Number(headers[':status'] ?? 0);
  const hooks = calls.responseHooks;
  const rawHeaders = Array.isArray(raw) ? (raw as string[]) : undefined;
  for (let i = 0; i < hooks.length; i++) hooks[i](headers, call, rawHeaders);
}

function onClose(this: WithCall): void {
  const call = this[CALL];
  if (call === undefined) return;
  this[CALL] = undefined;
  endCall(call, call.status === 0 ? `closed before a response (RST_STREAM code ${this.rstCode ?? 'none'})` : undefined);
}

/** Ends the call's span (if it has one): the status, and `failure` when the stream never got a response. */
export function endCall(call: Http2Call, failure: string | undefined): void {
  const span = call.span;
  if (span === undefined) return;
  if (call.status !== 0) {
    span.setAttribute('http.response.status_code', call.status);
    if (call.status >= 400) {
      span.setAttribute('error.type', String(call.status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  }
  if (failure !== undefined) {
    span.setAttribute('error.type', 'stream_closed');
    span.setStatus({ code: SpanStatusCode.ERROR, message: failure });
  }
  span.end();
}

/** `url.full`: the `:authority` and `:path` the request names, else where the session connects. */
export function urlOf(protocol: string, headers: Headers | undefined, destination: OutgoingDestination | undefined): string {
  const authority = headers?.[':authority'];
  const host = destination === undefined ? '' : destination.hostname.includes(':') ? `[${destination.hostname}]:${portOf(destination)}` : `${destination.hostname}:${portOf(destination)}`;
  return `${protocol}//${authority === undefined ? host : String(authority)}${String(headers?.[':path'] ?? '/')}`;
}
