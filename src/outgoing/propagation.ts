import type { ClientRequest } from 'node:http';
import type { CompiledConfig } from '../config/compile-config';
import { currentState, type RequestIdState } from '../context/request-state';
import { destinationFromOrigin, type OutgoingDestination } from '../config/propagate-to';
import type { Guard } from '../diag';
import { rewriteUndiciHeader, undiciHeaderCount, type UndiciRequest } from './fetch';
import type { AgentRequestOptions } from '../internals/node-http';
import { injectedInto, type Injected } from '../propagator';

/**
 * Sends the current request's IDs on with every outgoing `http`, `https` and `fetch` call made in
 * its async work: in the global header (the primary ID, also for runWithRequestId) and in each
 * route rule's header that this request got. A header the app set on the call is left alone,
 * and the caller's headers object is never touched (only the ClientRequest's own copy).
 */
export class OutgoingPropagation {
  constructor(
    private readonly getConfig: () => CompiledConfig,
    private readonly guard: Guard,
  ) {}

  readonly onHttpRequest = (request: ClientRequest, options: AgentRequestOptions): void => {
    const state = currentState();
    if (state === undefined) return;
    try {
      const config = this.getConfig();
      if (config.propagateTo !== true && !this.allowed(config, () => destinationOfHttp(request, options))) {
        withdrawFromHttp(request, injectedInto(options.headers));
        return;
      }
      for (const header of config.outgoing) {
        const id = idFor(state, header.key, config.global.headerKey);
        if (id !== undefined && !request.hasHeader(header.key)) request.setHeader(header.name, id);
      }
    } catch (err) {
      this.guard.report('http', 'could not add the request ID to an outgoing request; it goes on without it', err);
    }
  };

  readonly onFetchRequest = ({ request }: { request: UndiciRequest }): void => {
    const state = currentState();
    if (state === undefined) return;
    try {
      const config = this.getConfig();
      if (config.propagateTo !== true && !this.allowed(config, () => destinationFromOrigin(request.origin))) {
        withholdFromFetch(request, config, state);
        return;
      }
      let sending = false;
      for (const header of config.outgoing) {
        const id = idFor(state, header.key, config.global.headerKey);
        if (id === undefined) continue;
        sending = true;
        const count = undiciHeaderCount(request, header.key);
        if (count === 0) request.addHeader(header.name, id);
        else if (count > 1) dropRepeats(request, header.key, id, count);
      }
      if (sending) ignoreLaterAdds(request, config);
    } catch (err) {
      this.guard.report('fetch', 'could not add the request ID to a fetch call; it goes on without it', err);
    }
  };

  private allowed(config: CompiledConfig, destination: () => OutgoingDestination): boolean {
    const policy = config.propagateTo;
    if (policy === false) return false;
    if (policy === true) return true;
    try {
      return policy(destination());
    } catch (err) {
      // Failing closed: a broken filter must not leak IDs to third parties.
      this.guard.report('propagateTo', 'the propagateTo function threw; not sending the request ID to that destination', err);
      return false;
    }
  }
}

/**
 * RequestIdPropagator wrote the ID into HttpInstrumentation's copy of the headers before this
 * hook could see the destination; take back what it wrote (never a value the app set).
 */
function withdrawFromHttp(request: ClientRequest, injected: Injected | undefined): void {
  if (injected === undefined) return;
  if (request.getHeader(injected.key) === injected.id) request.removeHeader(injected.key);
  if (!injected.baggage) return;
  const baggage = request.getHeader('baggage');
  if (typeof baggage !== 'string') return;
  const rest = withoutIdEntries(baggage, [injected.id]);
  if (rest === '') request.removeHeader('baggage');
  else request.setHeader('baggage', rest);
}

/**
 * A destination that must not get the ID, over fetch. instrumentation-undici injects the global
 * propagator's headers in its own `undici:request:create` subscriber. After this hook (the usual
 * order, see fetch.ts) its adds of our headers are dropped. Before it (it subscribed before this
 * package was loaded) the entries carrying the request's IDs are removed: failing closed, an app
 * header with exactly that value goes too. Either way a baggage entry whose value is an ID goes.
 */
function withholdFromFetch(request: UndiciRequest, config: CompiledConfig, state: RequestIdState): void {
  const ids: string[] = [];
  for (const header of config.outgoing) {
    const id = idFor(state, header.key, config.global.headerKey);
    if (id === undefined) continue;
    ids.push(id);
    rewriteUndiciHeader(request, header.key, (value) => (value === id ? '' : value));
  }
  rewriteUndiciHeader(request, 'baggage', (value) => withoutIdEntries(value, ids));
  const addHeader = request.addHeader;
  request.addHeader = function (this: UndiciRequest, name: string, value: string) {
    const key = typeof name === 'string' ? name.toLowerCase() : name;
    if (config.outgoing.some((h) => h.key === key)) return this;
    if (key !== 'baggage' || typeof value !== 'string') return addHeader.call(this, name, value);
    const rest = withoutIdEntries(value, ids);
    return rest === '' ? this : addHeader.call(this, name, rest);
  };
}

/** A W3C baggage header without the entries whose value is one of `ids` (RequestIdPropagator's `baggage` option). */
function withoutIdEntries(baggage: string, ids: readonly string[]): string {
  return baggage
    .split(',')
    .filter((entry) => {
      const value = entry.split(';')[0].split('=')[1]?.trim();
      return value === undefined || !ids.some((id) => value === id || value === encodeURIComponent(id));
    })
    .join(',');
}

/**
 * instrumentation-undici injects the global propagator's headers after this hook when it
 * subscribed later; with RequestIdPropagator in that propagator the header would be sent twice
 * (`"id, id"`), or the app's own value followed by the ID. This request alone then drops a second
 * value for our headers.
 */
function ignoreLaterAdds(request: UndiciRequest, config: CompiledConfig): void {
  const addHeader = request.addHeader;
  request.addHeader = function (this: UndiciRequest, name: string, value: string) {
    if (typeof name === 'string' && config.outgoing.some((h) => h.key === name.toLowerCase())) return this;
    return addHeader.call(this, name, value);
  };
}

/**
 * instrumentation-undici ran first (it subscribed before this package was loaded) and appended
 * the ID after a value the app set: the app's value wins, so the later copies of the ID go.
 */
function dropRepeats(request: UndiciRequest, key: string, id: string, count: number): void {
  let left = count;
  rewriteUndiciHeader(request, key, (value) => {
    if (left === 1 || value !== id) return value;
    left--;
    return '';
  });
}

function idFor(state: RequestIdState, key: string, globalKey: string): string | undefined {
  return state.byHeader[key] ?? (key === globalKey ? state.id : undefined);
}

function destinationOfHttp(request: ClientRequest, options: AgentRequestOptions): OutgoingDestination {
  const rawHost = options.hostname ?? options.host ?? request.host ?? 'localhost';
  const hostname = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  const port = options.port === undefined || options.port === '' ? undefined : Number(options.port);
  return { protocol: options.protocol ?? request.protocol ?? 'http:', hostname, port };
}
