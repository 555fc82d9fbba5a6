import type { CompiledConfig, CompiledRule } from '../config/compile-config';
import { isAcceptable, makeSafe } from '../config/validation';
import type { RequestIdState } from '../context/request-state';
import type { Guard } from '../diag';
import type { IncomingAdapter } from '../internal-types';
import type { IncomingRequest } from '../types';
import { requestTraceId, seedTraceFromRequestId } from './trace-handle';

/** The core's answer for one incoming exchange: `null` for an ignored request, else its state (`undefined` if none). */
export type Decision = RequestIdState | null | undefined;

/**
 * The transport-neutral decision for one incoming exchange: `ignore`, the rules that apply, for
 * each one the ID (the incoming one when valid and trusted, else a generated one), and the echo.
 * `existing` is the state another instance or package copy gave the same request: one header, one ID.
 */
export function decideRequestIds<Req extends IncomingRequest, Res>(
  adapter: IncomingAdapter<Req, Res>,
  request: Req,
  response: Res,
  existing: RequestIdState | undefined,
  config: CompiledConfig,
  guard: Guard,
): Decision {
  let path: string | undefined;
  if (config.ignore !== undefined) {
    path = adapter.path(request);
    if (guard.call('ignore', IGNORE_THREW, false, config.ignore, request, path)) return null;
  }
  // The common case, without the rule list: the global rule alone.
  if (config.routes.length === 0) return applyRule(adapter, config.global, request, response, existing, config, guard);
  let state = existing;
  for (const rule of selectRules(adapter, config, request, path, guard)) {
    state = applyRule(adapter, rule, request, response, state, config, guard);
  }
  return state;
}

function applyRule<Req extends IncomingRequest, Res>(
  adapter: IncomingAdapter<Req, Res>,
  rule: CompiledRule,
  request: Req,
  response: Res,
  state: RequestIdState | undefined,
  config: CompiledConfig,
  guard: Guard,
): RequestIdState | undefined {
  // Another instance or package copy got here first: one header, one ID.
  if (state !== undefined && state.byHeader[rule.headerKey] !== undefined) return state;
  const incoming = adapter.header(request, rule.headerKey);
  let id: string;
  let original: string | undefined;
  if (incoming === undefined || incoming === '') {
    id = rule.traceId ? requestTraceId(adapter, request) : rule.generate();
  } else if (typeof incoming === 'string' && isReusable(adapter, incoming, request, rule, config, guard)) {
    id = incoming;
    if (config.traceIdFromRequestId) seedTraceFromRequestId(adapter, request, incoming);
  } else {
    id = rule.traceId ? requestTraceId(adapter, request) : rule.generate();
    original = makeSafe(typeof incoming === 'string' ? incoming : incoming.join(', '));
  }
  if (rule.includeInResponse) adapter.setResponseHeader(response, rule.headerName, rule.headerKey, id);
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
export function newState(id: string, rule: CompiledRule): RequestIdState {
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
function selectRules<Req extends IncomingRequest, Res>(
  adapter: IncomingAdapter<Req, Res>,
  config: CompiledConfig,
  request: Req,
  path: string | undefined,
  guard: Guard,
): readonly CompiledRule[] {
  let selected: CompiledRule[] | undefined;
  for (const rule of config.routes) {
    path ??= adapter.path(request);
    if (!guard.call('rules.match', MATCH_THREW, false, rule.match!, request, path)) continue;
    selected ??= [config.global];
    const same = selected.findIndex((r) => r.headerKey === rule.headerKey);
    if (same === -1) selected.push(rule);
    else selected[same] = rule;
  }
  return selected ?? config.globalOnly;
}

function isReusable<Req extends IncomingRequest, Res>(
  adapter: IncomingAdapter<Req, Res>,
  value: string,
  request: Req,
  rule: CompiledRule,
  config: CompiledConfig,
  guard: Guard,
): boolean {
  if (!isAcceptable(value, config.validation)) return false;
  // A repeated header is joined into "a, b"; several IDs are never one ID, whatever the pattern allows.
  if (value.includes(',') && adapter.headerCount(request, rule.headerKey) > 1) return false;
  const trust = config.trust;
  if (trust === true) return true;
  if (trust === false) return false;
  return guard.call('trustIncoming', TRUST_THREW, false, trust, request, undefined);
}

// The reports of a throwing user hook, built once (not per request).
const IGNORE_THREW = 'the ignore function threw; treating it as not matching';
const MATCH_THREW = 'the rules.match function threw; treating it as not matching';
const TRUST_THREW = 'the trustIncoming function threw; treating the request as untrusted';
