import { subscribe } from 'node:diagnostics_channel';
import type { CompiledConfig } from '../config/compile-config';
import { HookRegistry } from '../hook-registry';
import type { RequestIdState } from '../context/request-state';
import { UNDICI_REQUEST_CREATE } from '../internals/channels';
import { filterLaterAdds, rewriteUndiciHeader, undiciHeaderCount, type UndiciRequest } from '../internals/undici';
import { destinationFromOrigin } from '../http/destination';
import { idFor, isOurHeader, withoutIdEntries, type OutgoingPropagation } from './decide';

/** Receives what undici publishes: `{ request }`. */
export type FetchRequestHook = (message: { request: UndiciRequest }) => void;

// In this module: each copy of the package subscribes on its own.
const registry = new HookRegistry<{ create: readonly FetchRequestHook[] }>({ create: [] });

/**
 * Global `fetch` is undici, not `node:http`. Its `undici:request:create` channel fires
 * synchronously inside `fetch()` (once per redirect hop), in the caller's async context, while
 * headers can be added. Subscribed when this module loads, so that our hooks run before
 * instrumentation-undici's injection whenever it is constructed after this package is loaded
 * (NodeSDK set-ups, register): `propagateTo` can then stop the propagator's header being added at all.
 */
subscribe(UNDICI_REQUEST_CREATE, (message) => {
  const hooks = registry.lists.create;
  for (let i = 0; i < hooks.length; i++) hooks[i](message as { request: UndiciRequest });
});

export function addFetchRequestHook(hook: FetchRequestHook): void {
  registry.add('create', hook);
}

export function removeFetchRequestHook(hook: FetchRequestHook): void {
  registry.remove('create', hook);
}

/** The undici adapter: adds the IDs to the request undici is about to send. */
export function fetchRequestHook(propagation: OutgoingPropagation): FetchRequestHook {
  return ({ request }) => {
    const state = propagation.state();
    if (state === undefined) return;
    try {
      const config = propagation.config();
      if (config.propagateTo !== true && !propagation.allowed(config, () => destinationFromOrigin(request.origin))) {
        withhold(request, config, state);
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
      // instrumentation-undici injects the global propagator's headers after this hook when it
      // subscribed later; with RequestIdPropagator in that propagator the header would be sent
      // twice (`"id, id"`), or the app's own value followed by the ID: this request drops them.
      if (sending) filterLaterAdds(request, (key, value) => (isOurHeader(config, key) ? undefined : value));
    } catch (err) {
      propagation.guard.report('fetch', 'could not add the request ID to a fetch call; it goes on without it', err);
    }
  };
}

/**
 * A destination that must not get the ID. instrumentation-undici injects the global propagator's
 * headers in its own `undici:request:create` subscriber. After this hook (the usual order, see
 * above) its adds of our headers are dropped. Before it (it subscribed before this package was
 * loaded) the entries carrying the request's IDs are removed: failing closed, an app header with
 * exactly that value goes too. Either way a baggage entry whose value is an ID goes.
 */
function withhold(request: UndiciRequest, config: CompiledConfig, state: RequestIdState): void {
  const ids: string[] = [];
  for (const header of config.outgoing) {
    const id = idFor(state, header.key, config.global.headerKey);
    if (id === undefined) continue;
    ids.push(id);
    rewriteUndiciHeader(request, header.key, (value) => (value === id ? '' : value));
  }
  rewriteUndiciHeader(request, 'baggage', (value) => withoutIdEntries(value, ids));
  filterLaterAdds(request, (key, value) => {
    if (isOurHeader(config, key)) return undefined;
    if (key !== 'baggage' || typeof value !== 'string') return value;
    const rest = withoutIdEntries(value, ids);
    return rest === '' ? undefined : rest;
  });
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
