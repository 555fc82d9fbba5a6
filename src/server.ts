import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { SpanKind, trace } from '@opentelemetry/api';
import type { CompiledConfig, CompiledRule } from './config';
import { requestIdStorage, type RequestIdState } from './context';
import type { OnceReporter } from './diag';
import { requestPath } from './matchers';
import { recordDecision } from './propagator';
import { isAcceptable, makeSafe } from './validation';

/** What Node publishes on `http.server.request.start`, just before `server.emit('request')`. */
export interface RequestStartMessage {
  request: IncomingMessage;
  response: ServerResponse;
  server: Server;
}

// Symbol.for: two copies of this package (or two instances) share one state per request,
// so a header never gets two IDs.
const STATE = Symbol.for('@rid/otel.request-state');
const SPAN_LISTENER = Symbol.for('@rid/otel.span-listener');
type WithState = IncomingMessage & { [STATE]?: RequestIdState };
type WithListener = Server & { [SPAN_LISTENER]?: true };

/**
 * Assigns the request's IDs before any handler runs: it reads or generates each rule's ID,
 * echoes it with an early `setHeader` (so 404s, 500s and early `writeHead` calls carry it, and an
 * app that sets the header itself still wins), and enters the request's async context.
 */
export function assignRequestIds(message: RequestStartMessage, config: CompiledConfig, reporter: OnceReporter): void {
  const request = message.request as WithState;
  try {
    let path: string | undefined;
    if (config.ignore !== undefined) {
      path = requestPath(request);
      if (guardedMatch(config.ignore, request, path, reporter, 'ignore')) {
        recordDecision(request, null);
        return;
      }
    }
    const existing = request[STATE];
    let state = existing;
    for (const rule of selectRules(config, request, path, reporter)) {
      state = applyRule(rule, request, message.response, state, config, reporter);
    }
    if (existing === undefined && state !== undefined) {
      request[STATE] = state;
      recordDecision(request, state);
      // The handler runs in the emit that follows this synchronous publish, so the store
      // entered here is the one it and all its async continuations see.
      requestIdStorage.enterWith(state);
    }
    attachSpanListener(message.server);
  } catch (err) {
    reporter.error('assign', 'could not assign a request ID; the request goes on without one', err);
  }
}

function applyRule(
  rule: CompiledRule,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestIdState | undefined,
  config: CompiledConfig,
  reporter: OnceReporter,
): RequestIdState | undefined {
  // Another instance or package copy got here first: one header, one ID.
  if (state !== undefined && state.byHeader[rule.headerKey] !== undefined) return state;
  const incoming = request.headers[rule.headerKey];
  let id: string;
  let original: string | undefined;
  if (incoming === undefined || incoming === '') {
    id = rule.generate();
  } else if (typeof incoming === 'string' && isReusable(incoming, request, rule, config, reporter)) {
    id = incoming;
  } else {
    id = rule.generate();
    original = makeSafe(typeof incoming === 'string' ? incoming : incoming.join(', '));
  }
  if (rule.includeInResponse) response.setHeader(rule.headerName, id);
  if (state === undefined) {
    state = { id, byHeader: { [rule.headerKey]: id }, attributes: { [rule.attributeName]: id } };
  } else {
    state.byHeader[rule.headerKey] = id;
    state.attributes[rule.attributeName] = id;
  }
  if (original !== undefined) state.attributes[rule.originalAttributeName] = original;
  return state;
}

/**
 * The global rule, then each matching route rule. A route rule for the global rule's header
 * replaces it (the more specific rule wins); one for another header adds a second ID.
 */
function selectRules(
  config: CompiledConfig,
  request: IncomingMessage,
  path: string | undefined,
  reporter: OnceReporter,
): readonly CompiledRule[] {
  if (config.routes.length === 0) return config.globalOnly;
  let selected: CompiledRule[] | undefined;
  for (const rule of config.routes) {
    path ??= requestPath(request);
    if (!guardedMatch(rule.match!, request, path, reporter, 'rules.match')) continue;
    selected ??= [config.global];
    const same = selected.findIndex((r) => r.headerKey === rule.headerKey);
    if (same === -1) selected.push(rule);
    else selected[same] = rule;
  }
  return selected ?? config.globalOnly;
}

function isReusable(value: string, request: IncomingMessage, rule: CompiledRule, config: CompiledConfig, reporter: OnceReporter): boolean {
  if (!isAcceptable(value, config.validation)) return false;
  // Node joins a repeated header into "a, b"; several IDs are never one ID, whatever the pattern allows.
  if (value.includes(',') && countHeader(request.rawHeaders, rule.headerKey) > 1) return false;
  const trust = config.trust;
  if (trust === true) return true;
  if (trust === false) return false;
  try {
    return trust(request);
  } catch (err) {
    reporter.error('trustIncoming', 'the trustIncoming function threw; treating the request as untrusted', err);
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
  reporter: OnceReporter,
  option: string,
): boolean {
  try {
    return match(request, path);
  } catch (err) {
    reporter.error(option, `the ${option} function threw; treating it as not matching`, err);
    return false;
  }
}

/**
 * A listener prepended once per server runs inside HttpInstrumentation's patched emit, where its
 * SERVER span is active, whichever instrumentation was constructed first. Patching `emit`
 * instead would unwrap HttpInstrumentation's patch.
 */
function attachSpanListener(server: WithListener): void {
  if (server[SPAN_LISTENER] === true) return;
  server[SPAN_LISTENER] = true;
  server.prependListener('request', stampServerSpan);
}

function stampServerSpan(request: WithState): void {
  const state = request[STATE];
  if (state === undefined) return;
  try {
    const span = trace.getActiveSpan();
    if (span === undefined) return;
    // Without HttpInstrumentation another span may be active here; only a SERVER span is ours to stamp.
    const kind = (span as { kind?: SpanKind }).kind;
    if (kind !== undefined && kind !== SpanKind.SERVER) return;
    span.setAttributes(state.attributes);
    state.serverSpan = span;
  } catch {
    // Never let span bookkeeping fail the request.
  }
}
