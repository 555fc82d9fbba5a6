import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import type { OutgoingDestination } from '../http/destination';
import type { RequestIdState } from '../context/request-state';
import type { Guard } from '../diag';
import { hasHeader, isGrpcContentType } from '../http/headers';
import { otherHttp2Instrumentation, targetOf, type Headers } from '../internals/node-http2';
import { injectedInto } from '../context/carrier-marks';
import { parseAuthority, portOf, validPort } from '../http/destination';
import { idFor, type OutgoingPropagation } from './decide';
import { withdraw } from './withdraw';

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

/**
 * Runs on each response head of an outgoing HTTP/2 stream (`'response'`), before the app's
 * listeners. `raw` is Node's `[name, value, …]` (each repeated header apart), when it passes one.
 */
export type Http2ResponseHook = (headers: IncomingHttpHeaders, call: Http2Call, raw: readonly string[] | undefined) => void;

/**
 * What every instance and every copy of this package shares about outgoing HTTP/2 calls (Symbol.for,
 * versioned like internals/node-http2.ts's registry). Each `session.request()` runs every enabled
 * instance's hooks in turn: the first makes the call (one CLIENT span, the trace header naming it)
 * and leaves it in `pending`; the later ones see it there and only add their IDs; the first stream
 * hook takes it. The response hooks are one list, so that whichever copy made the call, every
 * capture sees it (and the first records it).
 */
const SHARED = Symbol.for('@rid/otel.http2-client-calls.v1');
interface SharedCalls {
  pending: PendingCall | undefined;
  responseHooks: readonly Http2ResponseHook[];
}
const g = globalThis as typeof globalThis & { [SHARED]?: SharedCalls };
const shared: SharedCalls = (g[SHARED] ??= { pending: undefined, responseHooks: [] });

export function addHttp2ResponseHook(hook: Http2ResponseHook): void {
  shared.responseHooks = [...shared.responseHooks, hook];
}

export function removeHttp2ResponseHook(hook: Http2ResponseHook): void {
  shared.responseHooks = shared.responseHooks.filter((h) => h !== hook);
}

/** The call as its adapters see it, before the stream exists. */
interface PendingCall extends Http2Call {
  readonly destination: OutgoingDestination | undefined;
}

const CALL = Symbol.for('@rid/otel.h2-call');
type WithCall = ClientHttp2Stream & { [CALL]?: Http2Call };

/**
 * The `node:http2` client adapter, inside `ClientHttp2Session#request` (internals/node-http2.ts):
 * HTTP/2 has no OpenTelemetry instrumentation, so this makes the CLIENT span, injects the global
 * propagator (the trace goes on across HTTP/2), and adds the IDs under the same `propagateTo`
 * decision as `http` and `fetch`. The caller's headers object is never modified: the request
 * is sent with a copy. A header the app set wins.
 *
 * gRPC calls (`content-type: application/grpc…`) get the IDs only: instrumentation-grpc makes
 * their spans and injects its own context.
 */
export class Http2ClientAdapter {
  constructor(
    private readonly propagation: OutgoingPropagation,
    private readonly tracer: () => Tracer,
    private readonly guard: Guard,
  ) {}

  readonly onRequest = (session: ClientHttp2Session, headers: Headers | undefined): Headers | undefined => {
    // An earlier instance's hook made this call: the headers are the copy it returned. (Any other
    // pending call is stale, never this one's: it is replaced below.)
    const owner = shared.pending;
    if (owner !== undefined && owner.sent === headers) return this.addToCall(owner, headers);
    const parent = context.active();
    const grpc = isGrpcContentType(headers?.['content-type']);
    const state = this.propagation.state();
    if (grpc && state === undefined) return undefined;
    const target = targetOf(session);
    const protocol = target.protocol ?? 'http:';
    // Where the bytes go decides (propagateTo, vendor tables), as for http and fetch: not the
    // `:authority` header, which any caller can set to any name.
    const destination = target.authority === undefined ? undefined : parseAuthority(protocol, target.authority, true);
    const method = String(headers?.[':method'] ?? 'GET');
    const sent: Headers = { ...headers };
    let span: Span | undefined;
    if (!grpc && !isTracingSuppressed(parent) && !otherHttp2Instrumentation()) {
      span = this.startSpan(method, destination, urlOf(protocol, headers, destination), parent);
      // A trace context the app wrote itself is left as it is.
      if (!hasHeader(sent, 'traceparent')) {
        this.guard.run('h2:inject', 'could not inject trace context into an HTTP/2 request', () => propagation.inject(trace.setSpan(parent, span!), sent));
      }
    }
    if (state !== undefined) this.addIds(sent, state, destination);
    shared.pending = { span, parent, state, method, destination, host: destination?.hostname, sent, status: 0, captured: false };
    return sent;
  };

  /** Right after `session.request()` returned (or threw: `stream` is undefined then): the first adapter takes the call. */
  readonly onStream = (stream: ClientHttp2Stream | undefined): void => {
    const call = shared.pending;
    shared.pending = undefined;
    if (call === undefined) return;
    if (stream === undefined) {
      endCall(call, 'request() threw');
      return;
    }
    (stream as WithCall)[CALL] = call;
    stream.once('response', onResponse);
    stream.once('close', onClose);
  };

  /** An earlier instance made this call: this one adds the IDs its own config sends there (a header already set wins). */
  private addToCall(call: PendingCall, headers: Headers | undefined): Headers | undefined {
    if (call.state === undefined) return undefined;
    const sent: Headers = { ...headers };
    this.addIds(sent, call.state, call.destination);
    call.sent = sent;
    return sent;
  }

  private startSpan(method: string, destination: OutgoingDestination | undefined, url: string, parent: Context): Span {
    const attributes: Attributes = { 'http.request.method': method, 'url.full': url, 'network.protocol.name': 'http', 'network.protocol.version': '2' };
    if (destination !== undefined) {
      attributes['server.address'] = destination.hostname;
      const port = portOf(destination);
      if (validPort(port)) attributes['server.port'] = port;
    }
    return this.tracer().startSpan(method, { kind: SpanKind.CLIENT, attributes }, parent);
  }

  /** The IDs, where `propagateTo` allows; else what the global propagator wrote of them is taken back. */
  private addIds(sent: Headers, state: RequestIdState, destination: OutgoingDestination | undefined): void {
    const config = this.propagation.config();
    if (config.propagateTo !== true && !this.propagation.allowed(config, () => destination)) {
      withdraw(injectedInto(sent), Object.keys(sent), (name) => sent[name], (name, value) => {
        if (value === undefined) delete sent[name];
        else sent[name] = value;
      });
      return;
    }
    for (const header of config.outgoing) {
      const id = idFor(state, header.key, config.global.headerKey);
      // HTTP/2 header names are lower case on the wire.
      if (id !== undefined && !hasHeader(sent, header.key)) sent[header.key] = id;
    }
  }
}

/** One function for every stream (`this` is the stream): no closure per call. */
function onResponse(this: WithCall, headers: IncomingHttpHeaders, _flags: number, raw?: unknown): void {
  const call = this[CALL];
  if (call === undefined) return;
  call.status = Number(headers[':status'] ?? 0);
  const hooks = shared.responseHooks;
  const rawHeaders = Array.isArray(raw) ? (raw as string[]) : undefined;
  for (let i = 0; i < hooks.length; i++) hooks[i](headers, call, rawHeaders);
}

function onClose(this: WithCall): void {
  const call = this[CALL];
  if (call === undefined) return;
  this[CALL] = undefined;
  endCall(call, call.status === 0 ? `closed before a response (RST_STREAM code ${this.rstCode ?? 'none'})` : undefined);
}

function endCall(call: Http2Call, failure: string | undefined): void {
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
function urlOf(protocol: string, headers: Headers | undefined, destination: OutgoingDestination | undefined): string {
  const authority = headers?.[':authority'];
  const host = destination === undefined ? '' : destination.hostname.includes(':') ? `[${destination.hostname}]:${portOf(destination)}` : `${destination.hostname}:${portOf(destination)}`;
  return `${protocol}//${authority === undefined ? host : String(authority)}${String(headers?.[':path'] ?? '/')}`;
}
