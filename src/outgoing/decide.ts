import type { CompiledConfig } from '../config/compile-config';
import type { OutgoingDestination } from '../http/destination';
import { currentState, type RequestIdState } from '../context/request-state';
import type { Guard } from '../diag';

/**
 * The transport-neutral half of downstream propagation: which IDs the current request sends, in
 * which headers, and whether a destination may get them (`propagateTo`). The transport adapters
 * (http-client.ts for `http.Agent`, fetch.ts for undici) write the headers; none decides anything
 * itself. An ID goes in the global header (the primary ID, also for runWithRequestId) and in each
 * route rule's header that this request got.
 */
export class OutgoingPropagation {
  constructor(
    private readonly getConfig: () => CompiledConfig,
    readonly guard: Guard,
  ) {}

  /** The config in force now (a `setConfig` takes effect on the next call). */
  config(): CompiledConfig {
    return this.getConfig();
  }

  /** The current request's state, or `undefined` outside a request: then nothing is sent. */
  state(): RequestIdState | undefined {
    return currentState();
  }

  /**
   * Whether the destination may get the IDs; `destination` is only computed for a function or list,
   * and one that cannot be parsed (undefined) gets nothing.
   */
  allowed(config: CompiledConfig, destination: () => OutgoingDestination | undefined): boolean {
    const policy = config.propagateTo;
    if (policy === false) return false;
    if (policy === true) return true;
    // Failing closed: a broken filter must not leak IDs to third parties.
    return this.guard.call('propagateTo', PROPAGATE_TO_THREW, false, applyPolicy, policy, destination);
  }
}

const PROPAGATE_TO_THREW = 'the propagateTo function threw; not sending the request ID to that destination';

function applyPolicy(policy: (destination: OutgoingDestination) => boolean, destination: () => OutgoingDestination | undefined): boolean {
  const d = destination();
  return d !== undefined && policy(d);
}

/** The ID that travels in header `key` (lower case) for this request, if any. */
export function idFor(state: RequestIdState, key: string, globalKey: string): string | undefined {
  return state.byHeader[key] ?? (key === globalKey ? state.id : undefined);
}

/** Whether `key` (lower case) is one of the headers this package sends. */
export function isOurHeader(config: CompiledConfig, key: string): boolean {
  return config.outgoing.some((h) => h.key === key);
}

/** A W3C baggage header without the entries whose value is one of `ids` (RequestIdPropagator's `baggage` option). */
export function withoutIdEntries(baggage: string, ids: readonly string[]): string {
  return baggage
    .split(',')
    .filter((entry) => {
      const value = entry.split(';')[0].split('=')[1]?.trim();
      return value === undefined || !ids.some((id) => value === id || value === encodeURIComponent(id));
    })
    .join(',');
}
