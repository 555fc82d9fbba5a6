import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import type { OutgoingDestination } from '../config/propagate-to';
import type { RequestIdState } from '../context/request-state';
import type { Guard } from '../diag';
import { otherHttp2Instrumentation, targetOf, hasHeader, type Headers } from '../internals/node-http2';
import { injectedInto } from '../propagator';
import { destinationFromOrigin } from './destination';
import { idFor, withoutIdEntries, type OutgoingPropagation } from './propagation';

/** One outgoing HTTP/2 stream as the response hooks (the capture) see it. */
export interface Http2Call {
  /** Our CLIENT span, unless tracing was suppressed or another instrumentation makes them. */
  readonly span: Span | undefined;
  /** The context active at `session.request()`: the caller's (an SDK's operation span). */
  readonly parent: Context;
  /** The incoming request being served, when there is one. */
  readonly state: RequestIdState | undefined;
  readonly method: string;
  readonly host: string | undefined;
  /** The request headers as sent (the copy with the IDs): a downstream's echo is compared with them. */
  readonly sent: Headers;
  status: number;
}

/** Runs on each response head of an outgoing HTTP/2 stream (`'response'`), before the app's listeners. */
export type Http2ResponseHook = (headers: IncomingHttpHeaders, call: Http2Call) => void;

const responseHooks = new Set<Http2ResponseHook>();

export function addHttp2ResponseHook(hook: Http2ResponseHook): void {
  responseHooks.add(hook);
}

export function removeHttp2ResponseHook(hook: Http2ResponseHook): void {
  responseHooks.delete(hook);
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
  /** The call being made: set in `onRequest`, taken by `onStream` right after Node returns the stream. */
  private next: Http2Call | undefined = undefined;

  constructor(
    private readonly propagation: OutgoingPropagation,
    private readonly tracer: () => Tracer,
    private readonly guard: Guard,
  ) {}

  readonly onRequest = (session: ClientHttp2Session, headers: Headers | undefined): Headers | undefined => {
    this.next = undefined;
    const parent = context.active();
    const grpc = isGrpc(headers);
    const state = this.propagation.state();
    if (grpc && state === undefined) return undefined;
    const target = targetOf(session);
    const method = String(headers?.[':method'] ?? 'GET');
    const authority = String(headers?.[':authority'] ?? target.authority ?? '');
    const destination = destinationOf(target.protocol ?? 'http:', authority);
    const sent: Headers = { ...headers };
    let span: Span | undefined;
    if (!grpc && !isTracingSuppressed(parent) && !otherHttp2Instrumentation()) {
      span = this.startSpan(method, destination, `${target.protocol ?? 'http:'}//${authority}${String(headers?.[':path'] ?? '/')}`, parent);
      // A trace context the app wrote itself is left as it is.
      if (!hasHeader(sent, 'traceparent')) {
        this.guard.run('h2:inject', 'could not inject trace context into an HTTP/2 request', () => propagation.inject(trace.setSpan(parent, span!), sent));
      }
    }
    if (state !== undefined) this.addIds(sent, state, destination);
    this.next = { span, parent, state, method, host: destination?.hostname, sent, status: 0 };
    return sent;
  };

  /** Right after `session.request()` returned (or threw: `stream` is undefined then). */
  readonly onStream = (stream: ClientHttp2Stream | undefined): void => {
    const call = this.next;
    this.next = undefined;
    if (call === undefined) return;
    if (stream === undefined) {
      endCall(call, 'request() threw');
      return;
    }
    (stream as WithCall)[CALL] = call;
    stream.once('response', onResponse);
    stream.once('close', onClose);
  };

  private startSpan(method: string, destination: OutgoingDestination | undefined, url: string, parent: Context): Span {
    const attributes: Attributes = { 'http.request.method': method, 'url.full': url, 'network.protocol.name': 'http', 'network.protocol.version': '2' };
    if (destination !== undefined) {
      attributes['server.address'] = destination.hostname;
      attributes['server.port'] = destination.port ?? (destination.protocol === 'https:' ? 443 : 80);
    }
    return this.tracer().startSpan(method, { kind: SpanKind.CLIENT, attributes }, parent);
  }

  /** The IDs, where `propagateTo` allows; else what the global propagator wrote of them is taken back. */
  private addIds(sent: Headers, state: RequestIdState, destination: OutgoingDestination | undefined): void {
    const config = this.propagation.config();
    if (config.propagateTo !== true) {
      const allowed = destination !== undefined && this.propagation.allowed(config, () => destination);
      if (!allowed) {
        withdraw(sent, injectedInto(sent));
        return;
      }
    }
    for (const header of config.outgoing) {
      const id = idFor(state, header.key, config.global.headerKey);
      // HTTP/2 header names are lower case on the wire.
      if (id !== undefined && !hasHeader(sent, header.key)) sent[header.key] = id;
    }
  }
}

/** One function for every stream (`this` is the stream): no closure per call. */
function onResponse(this: WithCall, headers: IncomingHttpHeaders): void {
  const call = this[CALL];
  if (call === undefined) return;
  call.status = Number(headers[':status'] ?? 0);
  for (const hook of responseHooks) hook(headers, call);
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

function destinationOf(protocol: string, authority: string): OutgoingDestination | undefined {
  if (authority === '') return undefined;
  try {
    return destinationFromOrigin(`${protocol}//${authority}`);
  } catch {
    return undefined;
  }
}

/** RequestIdPropagator wrote the ID before the destination was known: take back what it wrote (never a value the app set). */
function withdraw(headers: Headers, injected: ReturnType<typeof injectedInto>): void {
  if (injected === undefined) return;
  for (const name of Object.keys(headers)) {
    const key = name.toLowerCase();
    if (key === injected.key && headers[name] === injected.id) delete headers[name];
    if (key === 'baggage' && injected.baggage && typeof headers[name] === 'string') {
      const rest = withoutIdEntries(headers[name] as string, [injected.id]);
      if (rest === '') delete headers[name];
      else headers[name] = rest;
    }
  }
}

function isGrpc(headers: Headers | undefined): boolean {
  const type = headers?.['content-type'];
  return typeof type === 'string' && type.startsWith('application/grpc');
}
