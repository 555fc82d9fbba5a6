import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { context, SpanKind, trace, type Span } from '@opentelemetry/api';
import type { CompiledConfig } from '../config/compile-config';
import { requestPath } from '../config/matchers';
import { currentState, enterRequestState, requestIdStorage, stampServerSpan, REQUEST_STATE, stateOf, type RequestIdState, type WithState } from '../context/request-state';
import type { Guard } from '../diag';
import type { IncomingAdapter } from '../internal-types';
import { appendAtHead, isQueuedBehindAnother, setResponseHeader } from '../internals/node-http';
import { kindOf } from '../internals/otel';
import { recordDecision } from '../context/carrier-marks';
import { decideRequestIds } from './decide';
import { countRawHeader } from './raw-headers';
import { checkTraceIdTaken, expireNextTraceId, serverTimingEntry, traceContextValue } from './trace-handle';
import type { TraceResponse } from '../types';
import { SPAN_LISTENER, TRACE_RESPONSE } from '../cross-copy-keys';

/** What Node publishes on `http.server.request.start`, just before `server.emit('request')`. */
export interface RequestStartMessage {
  request: IncomingMessage;
  response: ServerResponse;
  server: Server;
  /** The connection the request came on. */
  socket?: Socket;
}

/** The `node:http`/`https` server as the core sees it. */
const httpServer: IncomingAdapter<IncomingMessage, ServerResponse> = {
  header: (request, key) => request.headers[key],
  headerCount: (request, key) => countRawHeader(request.rawHeaders, key),
  path: requestPath,
  setResponseHeader,
};

// Cross-copy keys (REQUEST_STATE too): two copies of this package (or two instances) share one state per
// request, so a header never gets two IDs.
type WithListener = Server & { [SPAN_LISTENER]?: true };
// The response's `traceResponse` mode, read by the span listener, which may be another copy's.
type WithTraceResponse = ServerResponse & { [TRACE_RESPONSE]?: Exclude<TraceResponse, false> };

/**
 * The `node:http` adapter, on `http.server.request.start`: the core (decide.ts) decides the
 * request's IDs before any handler runs and echoes them early (so 404s, 500s and early
 * `writeHead` calls carry them, and an app that sets the header itself still wins). The
 * prepended 'request' listener then makes the state current for the request's async work.
 */
export function assignRequestIds(message: RequestStartMessage, config: CompiledConfig, guard: Guard): void {
  const request = message.request as IncomingMessage & WithState;
  const existing = request[REQUEST_STATE];
  // Node runs every request of a keep-alive connection in that connection's parser resource, where
  // the store entered for the previous request is still current. Leave it behind before deciding,
  // or a request that gets no ID (ignored, or a failure below) would see the previous one's.
  if (existing === undefined && requestIdStorage.getStore() !== undefined) requestIdStorage.enterWith(undefined as never);
  try {
    const state = decideRequestIds(httpServer, request, message.response, existing, config, guard);
    if (state === null) {
      recordDecision(request, null);
      return;
    }
    if (existing === undefined && state !== undefined) {
      request[REQUEST_STATE] = state;
      recordDecision(request, state);
      // 'Expect' requests may go to 'checkContinue'/'checkExpectation' listeners instead of
      // 'request' ones, where ours never runs: enter the store here, before Node emits either.
      if (request.headers.expect !== undefined) {
        requestIdStorage.enterWith(state);
        expireNextTraceId();
      }
      if (isQueuedBehindAnother(message.socket, message.response)) keepOwnContext(message.response, state);
    }
    if (state !== undefined && config.traceResponse !== false) (message.response as WithTraceResponse)[TRACE_RESPONSE] = config.traceResponse;
    attachSpanListener(message.server);
  } catch (err) {
    expireNextTraceId();
    guard.report('assign', 'could not assign a request ID; the request goes on without one', err);
  }
}

/**
 * A pipelined request's response waits behind the one Node is writing on the connection. Node
 * writes it, and emits its 'finish' and 'close', from inside that earlier response's 'finish',
 * that is in the earlier request's async context: `res.on('finish')` listeners (access logs,
 * fastify's onResponse hook) would read the other request's ID. Such a response emits its events
 * in its own request's context instead. Only queued responses pay for this.
 */
function keepOwnContext(response: ServerResponse, state: RequestIdState): void {
  const emit = response.emit;
  response.emit = function (this: ServerResponse, ...args: Parameters<ServerResponse['emit']>): boolean {
    if (currentState() === state) return emit.apply(this, args);
    const ctx = state.context;
    if (ctx !== undefined && stateOf(ctx) === state) return context.with(ctx, () => emit.apply(this, args));
    const run = (): boolean => requestIdStorage.run(state, () => emit.apply(this, args));
    return ctx === undefined ? run() : context.with(ctx, run);
  } as ServerResponse['emit'];
}

/**
 * A listener prepended once per server runs inside HttpInstrumentation's patched emit, where its
 * SERVER span and the request's OTel context are active, whichever instrumentation was
 * constructed first. Patching `emit` instead would unwrap HttpInstrumentation's patch.
 */
function attachSpanListener(server: WithListener): void {
  if (server[SPAN_LISTENER] === true) return;
  server[SPAN_LISTENER] = true;
  server.prependListener('request', enterRequest);
}

/** Makes the request's state current for its handler, stamps the SERVER span, and adds its trace context to the response. */
function enterRequest(request: IncomingMessage & WithState, response: WithTraceResponse): void {
  const state = request[REQUEST_STATE];
  if (state === undefined) return;
  try {
    // The request's OTel context (its SERVER span, the extracted trace): for keepOwnContext.
    const active = context.active();
    state.context = active;
    const span = trace.getSpan(active);
    enterRequestState(active, span, state);
    checkTraceIdTaken(span);
    // RequestIdSpanProcessor stamps it at start when it can; without HttpInstrumentation another
    // span may be active here, and only a SERVER span is ours to stamp.
    if (span === undefined) return;
    if (state.serverSpan === undefined) {
      const kind = kindOf(span);
      if (kind !== undefined && kind !== SpanKind.SERVER) return;
      stampServerSpan(span, state);
    }
    const mode = response[TRACE_RESPONSE];
    if (mode !== undefined) addTraceResponse(response, state.serverSpan ?? span, mode);
  } catch {
    // Never let span bookkeeping fail the request.
  }
}

/** The SERVER span's context in the response: `traceresponse` (a header the app sets wins), `Server-Timing` appended to the app's. */
function addTraceResponse(response: ServerResponse, span: Span, mode: Exclude<TraceResponse, false>): void {
  const value = traceContextValue(span);
  if (mode !== 'server-timing') setResponseHeader(response, 'traceresponse', 'traceresponse', value);
  if (mode !== 'traceresponse') appendAtHead(response, 'Server-Timing', serverTimingEntry(value));
}
