import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { context, propagation, ROOT_CONTEXT, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { CompiledConfig } from '../config/compile-config';
import { requestPath } from '../config/matchers';
import { contextManagerWorks } from '../context/context-manager';
import { requestContext, withActiveSpan } from '../context/request-context';
import { NO_REQUEST_STATE, REQUEST_ID_CONTEXT_KEY, requestIdStorage, type RequestIdState } from '../context/request-state';
import type { Guard } from '../diag';
import type { IncomingAdapter } from '../internal-types';
import { otherHttp2Instrumentation, type RespondHeaders, type StreamCloseHook, type StreamEmitHook, type StreamStartHook } from '../internals/node-http2';
import { patchServerStream, recordBaseListeners } from '../internals/node-http2-stream';
import { recordDecision } from '../context/carrier-marks';
import { hasHeader, isGrpcContentType } from '../http/headers';
import type { Http2IncomingRequest, TraceResponse } from '../types';
import { decideRequestIds } from './decide';
import { endHttp2ServerSpan, startHttp2ServerSpan } from './http2-server-span';
import { checkTraceIdTaken, expireNextTraceId, serverTimingEntry, traceContextValue } from './trace-handle';
import { countRawHeader } from './raw-headers';
import { H2_EXCHANGE as EXCHANGE } from '../cross-copy-keys';

/**
 * One incoming stream from its start to its close, kept on the stream: the request the core and
 * the user's hooks see (the fields of IncomingMessage they read), and what its response and close
 * need. One object per stream, every field set from the start (one shape).
 */
class Http2Exchange implements Http2IncomingRequest {
  readonly httpVersion = '2.0';
  readonly method: string;
  readonly url: string;
  /** The echo headers the core asked for, `[key, value, …]`, added in each `respond*()` call until one succeeds. */
  echo: string[] | undefined = undefined;
  state: RequestIdState | undefined = undefined;
  /** The context the handler and the stream's listeners run in: the SERVER span (when we make one) and the request's state. */
  context: Context = ROOT_CONTEXT;
  /** The SERVER span until the stream closes (then `undefined`: ended once, however many copies of this package run). */
  span: Span | undefined = undefined;
  /** No OTel context manager is registered: the state goes in our own store instead. */
  ownStore = false;
  /** `traceResponse` with Server-Timing: our entry, appended to the app's in each `respond*()` call. */
  timing: string | undefined = undefined;

  constructor(
    readonly stream: ServerHttp2Stream,
    readonly headers: IncomingHttpHeaders,
    /** Node's raw `[name, value, …]` list, where it was reachable: it alone shows a repeated header. */
    readonly rawHeaders: readonly string[] | undefined,
  ) {
    this.method = String(headers[':method'] ?? 'GET');
    this.url = String(headers[':path'] ?? '/');
  }

  get socket(): Socket {
    return this.stream.session?.socket as Socket;
  }
}

/** The `node:http2` server as the core sees it. Node joins a repeated header into one value; the raw list counts them. */
const http2Server: IncomingAdapter<Http2Exchange, Http2Exchange> = {
  header: (request, key) => request.headers[key],
  headerCount: (request, key) => countRawHeader(request.rawHeaders, key) || (request.headers[key] === undefined ? 0 : 1),
  path: requestPath,
  setResponseHeader: (exchange, _name, key, value) => {
    // HTTP/2 header names are lower case on the wire. A literal of two: `[]` then push would grow a spare backing store.
    if (exchange.echo === undefined) exchange.echo = [key, value];
    else exchange.echo.push(key, value);
  },
};

// Shared by two copies of this package: one exchange per stream, so a stream never gets two IDs.
type WithExchange = ServerHttp2Stream & { [EXCHANGE]?: Http2Exchange };

/**
 * The `node:http2` adapter, on every Node line: the session's `'stream'` emit (internals/node-http2.ts)
 * starts each stream before any handler sees it, and the core (decide.ts) decides the stream's IDs;
 * since nothing else makes spans for HTTP/2, the stream gets a SERVER span (http2-server-span.ts);
 * the `'stream'` emit runs the handler, the compat `'request'` handler included, in the stream's
 * context; `respond()` carries the echo, and the stream's `'close'` emit ends the span.
 *
 * gRPC streams (`content-type: application/grpc…`) are left alone: instrumentation-grpc makes
 * their spans, and their metadata carries the ID through RequestIdPropagator.
 */
export class Http2ServerAdapter {
  constructor(
    private readonly config: () => CompiledConfig,
    private readonly guard: Guard,
    private readonly tracer: () => Tracer,
  ) {}

  readonly onStreamStart: StreamStartHook = (stream, headers, rawHeaders) => {
    const s = stream as WithExchange;
    if (s[EXCHANGE] !== undefined || isGrpcContentType(headers['content-type'])) return;
    try {
      patchServerStream(stream);
      const exchange = new Http2Exchange(stream, headers, Array.isArray(rawHeaders) ? (rawHeaders as string[]) : undefined);
      const decision = decideRequestIds(http2Server, exchange, exchange, undefined, this.config(), this.guard);
      const state = decision ?? undefined;
      // Extract (RequestIdPropagator's included) must agree with the decision.
      recordDecision(exchange, decision === undefined ? null : decision);
      const parent = requestContext(propagation.extract(ROOT_CONTEXT, headers), state ?? NO_REQUEST_STATE);
      const span = otherHttp2Instrumentation() ? undefined : startHttp2ServerSpan(this.tracer(), exchange, parent, state?.attributes);
      checkTraceIdTaken(span);
      if (span !== undefined && state !== undefined) {
        // Its ID attributes came at start.
        state.serverSpan = span;
        const mode = this.config().traceResponse;
        if (mode !== false) addTraceResponse(exchange, span, mode);
      }
      exchange.state = state;
      exchange.span = span;
      exchange.context = span === undefined ? parent : withActiveSpan(parent, span);
      exchange.ownStore = state !== undefined && !contextManagerWorks();
      s[EXCHANGE] = exchange;
      recordBaseListeners(stream);
    } catch (err) {
      expireNextTraceId();
      this.guard.report('h2:assign', ASSIGN_FAILED, err);
    }
  };

  /**
   * A pushed stream (even IDs, RFC 9113 §5.1.1) is no request of the client's: Node emits no
   * `'stream'` for it, so it gets no SERVER span of its own. Its `respond()` runs in `pushStream()`'s
   * callback, in the pushing request's context: its response echoes that request's IDs.
   */
  private pushEcho(stream: ServerHttp2Stream): string[] | undefined {
    if (stream.id === undefined || (stream.id & 1) !== 0) return undefined;
    const state = context.active().getValue(REQUEST_ID_CONTEXT_KEY) as RequestIdState | undefined;
    if (state === undefined || state === NO_REQUEST_STATE) return undefined;
    let echo: string[] | undefined;
    const config = this.config();
    for (const rule of [config.global, ...config.routes]) {
      const id = state.byHeader[rule.headerKey];
      if (!rule.includeInResponse || id === undefined || echo?.includes(rule.headerKey)) continue;
      (echo ??= []).push(rule.headerKey, id);
    }
    return echo;
  }

  /**
   * Runs the session's `'stream'` emit, and so every handler, in the stream's context; the
   * stream's own events too (they come from the session's native callbacks), so its listeners
   * see the request. No closure: this runs for every event.
   */
  readonly runStream: StreamEmitHook = (stream, emit, self, args) => {
    const exchange = (stream as WithExchange)[EXCHANGE];
    if (exchange === undefined || context.active() === exchange.context) return Reflect.apply(emit, self, args) as boolean;
    // No context manager registered: our own store carries the state.
    if (exchange.ownStore) return requestIdStorage.run(exchange.state!, Reflect.apply, emit, self, args) as boolean;
    return context.with(exchange.context, Reflect.apply, undefined, emit, self, args) as boolean;
  };

  /**
   * In `respond()`, `respondWithFD()` and `respondWithFile()`: the echo, unless the app set the
   * header. On every call, not the first only: a call that throws, or a file that cannot be opened
   * (whose `onError` responds again), sends nothing. The status is read at close, from what was sent.
   */
  readonly onRespond = (stream: ServerHttp2Stream, headers: RespondHeaders): RespondHeaders => {
    const exchange = (stream as WithExchange)[EXCHANGE];
    const echo = exchange === undefined ? this.pushEcho(stream) : exchange.echo;
    const timing = exchange?.timing;
    if (echo === undefined && timing === undefined) return undefined;
    const sent = echo === undefined ? undefined : Array.isArray(headers) ? withEchoRaw(headers, echo) : withEcho(headers, echo);
    return timing === undefined ? sent : withServerTiming(sent ?? headers, sent !== undefined, timing);
  };
}

/**
 * Ends the stream's SERVER span, from its `'close'` emit (internals/node-http2.ts): no listener per
 * stream. One function for every instance; kept after `disable()`, so that a stream open then
 * still ends its span.
 */
export const endStreamSpan: StreamCloseHook = (stream) => {
  const exchange = (stream as WithExchange)[EXCHANGE];
  const span = exchange?.span;
  if (span === undefined) return;
  exchange!.span = undefined;
  endHttp2ServerSpan(span, stream);
};

/** The headers with the echo added (a copy), or undefined when the app set every echoed header itself. */
function withEcho(headers: OutgoingHttpHeaders | undefined, echo: readonly string[]): OutgoingHttpHeaders | undefined {
  let sent: OutgoingHttpHeaders | undefined;
  for (let i = 0; i < echo.length; i += 2) {
    if (headers !== undefined && hasHeader(headers, echo[i])) continue;
    sent ??= { ...headers };
    sent[echo[i]] = echo[i + 1];
  }
  return sent;
}

/** Node's raw form, `[name, value, …]`: the echo appended (a copy), unless the app has the name in any case. */
function withEchoRaw(headers: readonly unknown[], echo: readonly string[]): unknown[] | undefined {
  let sent: unknown[] | undefined;
  for (let i = 0; i < echo.length; i += 2) {
    if (countRawHeader(headers, echo[i]) > 0) continue;
    sent ??= headers.slice();
    sent.push(echo[i], echo[i + 1]);
  }
  return sent;
}

/** The SERVER span's context in each response: `traceresponse` with the echo (a header the app sets wins), Server-Timing appended. */
function addTraceResponse(exchange: Http2Exchange, span: Span, mode: Exclude<TraceResponse, false>): void {
  const value = traceContextValue(span);
  if (mode !== 'server-timing') (exchange.echo ??= []).push('traceresponse', value);
  if (mode !== 'traceresponse') exchange.timing = serverTimingEntry(value);
}

/** The headers with our Server-Timing entry after the app's (a list header, RFC 9110 §5.3); a copy unless `owned`. */
function withServerTiming(headers: RespondHeaders, owned: boolean, entry: string): RespondHeaders {
  if (Array.isArray(headers)) {
    const sent = owned ? headers : headers.slice();
    sent.push('server-timing', entry);
    return sent;
  }
  const sent: OutgoingHttpHeaders = owned ? headers! : { ...headers };
  const key = Object.keys(sent).find((k) => k.toLowerCase() === 'server-timing') ?? 'server-timing';
  const theirs = sent[key];
  sent[key] = theirs === undefined ? entry : [...(Array.isArray(theirs) ? theirs : [String(theirs)]), entry];
  return sent;
}

const ASSIGN_FAILED = 'could not assign a request ID to an HTTP/2 stream; it goes on without one';
