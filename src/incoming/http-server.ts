import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { context, SpanKind, trace, type Span } from '@opentelemetry/api';
import type { CompiledConfig, CompiledRule } from '../config/compile-config';
import { currentState, enterRequestState, requestIdStorage, STATE, stateOf, type RequestIdState, type WithState } from '../context/request-state';
import type { Guard } from '../diag';
import { requestPath } from '../config/matchers';
import { recordDecision } from '../propagator';
import { setResponseHeader } from '../internals/node-http';
import { isAcceptable, makeSafe } from '../config/validation';

/** What Node publishes on `http.server.request.start`, just before `server.emit('request')`. */
export interface RequestStartMessage {
  request: IncomingMessage;
  response: ServerResponse;
  server: Server;
  /** The connection; `_httpMessage` is the response Node is writing on it now, if any. */
  socket?: Socket & { _httpMessage?: unknown };
}

// Symbol.for (STATE too): two copies of this package (or two instances) share one state per
// request, so a header never gets two IDs.
const SPAN_LISTENER = Symbol.for('@rid/otel.span-listener');
type WithListener = Server & { [SPAN_LISTENER]?: true };

/**
 * Assigns the request's IDs before any handler runs: it reads or generates each rule's ID and
 * echoes it early with `setResponseHeader` (so 404s, 500s and early `writeHead` calls carry it,
 * and an app that sets the header itself still wins). The prepended 'request' listener then
 * makes the state current for the request's async work.
 */
export function assignRequestIds(message: RequestStartMessage, config: CompiledConfig, guard: Guard): void {
  const request = message.request as IncomingMessage & WithState;
  const existing = request[STATE];
  // Node runs every request of a keep-alive connection in that connection's parser resource, where
  // the store entered for the previous request is still current. Leave it behind before deciding,
  // or a request that gets no ID (ignored, or a failure below) would see the previous one's.
  if (existing === undefined && requestIdStorage.getStore() !== undefined) requestIdStorage.enterWith(undefined as never);
  try {
    let path: string | undefined;
    if (config.ignore !== undefined) {
      path = requestPath(request);
      if (guardedMatch(config.ignore, request, path, guard, 'ignore')) {
        recordDecision(request, null);
        return;
      }
    }
    let state = existing;
    if (config.routes.length === 0) {
      // The common case, without the rule list: the global rule alone.
      state = applyRule(config.global, request, message.response, state, config, guard);
    } else {
      for (const rule of selectRules(config, request, path, guard)) {
        state = applyRule(rule, request, message.response, state, config, guard);
      }
    }
    if (existing === undefined && state !== undefined) {
      request[STATE] = state;
      recordDecision(request, state);
      // 'Expect' requests may go to 'checkContinue'/'checkExpectation' listeners instead of
      // 'request' ones, where ours never runs: enter the store here, before Node emits either.
      if (request.headers.expect !== undefined) requestIdStorage.enterWith(state);
      const writing = message.socket?._httpMessage;
      if (writing != null && writing !== message.response) keepOwnContext(message.response, state);
    }
    attachSpanListener(message.server);
  } catch (err) {
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

function applyRule(
  rule: CompiledRule,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestIdState | undefined,
  config: CompiledConfig,
  guard: Guard,
): RequestIdState | undefined {
  // Another instance or package copy got here first: one header, one ID.
  if (state !== undefined && state.byHeader[rule.headerKey] !== undefined) return state;
  const incoming = request.headers[rule.headerKey];
  let id: string;
  let original: string | undefined;
  if (incoming === undefined || incoming === '') {
    id = rule.generate();
  } else if (typeof incoming === 'string' && isReusable(incoming, request, rule, config, guard)) {
    id = incoming;
  } else {
    id = rule.generate();
    original = makeSafe(typeof incoming === 'string' ? incoming : incoming.join(', '));
  }
  if (rule.includeInResponse) setResponseHeader(response, rule.headerName, rule.headerKey, id);
  if (state === undefined) {
    state = newState(id, rule);
  } else {
    state.byHeader[rule.headerKey] = id;
    state.attributes[rule.attributeName] = id;
  }
  if (original !== undefined) state.attributes[rule.originalAttributeName] = original;
  return state;
}

/**
 * One state object per request, built with plain stores: object literals with computed keys
 * (`{ [rule.headerKey]: id }`) go through a slow runtime path in V8, ~10x the cost of an empty
 * literal and a keyed store whose key is the same string every time. Every field is present from
 * the start, so the state's shape never changes when the span and context are filled in.
 */
function newState(id: string, rule: CompiledRule): RequestIdState {
  const byHeader: Record<string, string> = {};
  byHeader[rule.headerKey] = id;
  const attributes: Record<string, string> = {};
  attributes[rule.attributeName] = id;
  return { id, incoming: true, byHeader, attributes, serverSpan: undefined, context: undefined };
}

/**
 * The global rule, then each matching route rule. A route rule for the global rule's header
 * replaces it (the more specific rule wins); one for another header adds a second ID.
 */
function selectRules(
  config: CompiledConfig,
  request: IncomingMessage,
  path: string | undefined,
  guard: Guard,
): readonly CompiledRule[] {
  if (config.routes.length === 0) return config.globalOnly;
  let selected: CompiledRule[] | undefined;
  for (const rule of config.routes) {
    path ??= requestPath(request);
    if (!guardedMatch(rule.match!, request, path, guard, 'rules.match')) continue;
    selected ??= [config.global];
    const same = selected.findIndex((r) => r.headerKey === rule.headerKey);
    if (same === -1) selected.push(rule);
    else selected[same] = rule;
  }
  return selected ?? config.globalOnly;
}

function isReusable(value: string, request: IncomingMessage, rule: CompiledRule, config: CompiledConfig, guard: Guard): boolean {
  if (!isAcceptable(value, config.validation)) return false;
  // Node joins a repeated header into "a, b"; several IDs are never one ID, whatever the pattern allows.
  if (value.includes(',') && countHeader(request.rawHeaders, rule.headerKey) > 1) return false;
  const trust = config.trust;
  if (trust === true) return true;
  if (trust === false) return false;
  try {
    return trust(request);
  } catch (err) {
    guard.report('trustIncoming', 'the trustIncoming function threw; treating the request as untrusted', err);
    return false;
  }
}

function countHeader(rawHeaders: string[], key: string): number {
  let n = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i].toLowerCase() === key) n++;
  return n;
}

function guardedMatch(
  match: NonNullable<CompiledRule['match']>,
  request: IncomingMessage,
  path: string,
  guard: Guard,
  option: string,
): boolean {
  try {
    return match(request, path);
  } catch (err) {
    guard.report(option, `the ${option} function threw; treating it as not matching`, err);
    return false;
  }
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

/** Makes the request's state current for its handler and stamps the SERVER span. */
function enterRequest(request: IncomingMessage & WithState): void {
  const state = request[STATE];
  if (state === undefined) return;
  try {
    // The request's OTel context (its SERVER span, the extracted trace): for keepOwnContext.
    const active = context.active();
    state.context = active;
    const span = trace.getSpan(active);
    enterRequestState(active, span, state);
    // RequestIdSpanProcessor stamps it at start when it can; without HttpInstrumentation another
    // span may be active here, and only a SERVER span is ours to stamp.
    if (span === undefined || state.serverSpan !== undefined) return;
    const kind = (span as { kind?: SpanKind }).kind;
    if (kind !== undefined && kind !== SpanKind.SERVER) return;
    stampServerSpan(span, state);
  } catch {
    // Never let span bookkeeping fail the request.
  }
}

/** The request's attributes on its SERVER span (a loop of setAttribute: setAttributes allocates an entries array). */
export function stampServerSpan(span: Span, state: RequestIdState): void {
  const attributes = state.attributes;
  for (const key in attributes) span.setAttribute(key, attributes[key]);
  state.serverSpan = span;
}
