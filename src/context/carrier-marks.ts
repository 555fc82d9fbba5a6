import type { RequestIdState } from './request-state';
import { DECISION, INJECTED } from '../cross-copy-keys';

/**
 * What the server hooks and RequestIdPropagator leave on a headers object for each other: the
 * decision a server hook made (read back by `extract`), and what `inject` wrote (taken back by an
 * outgoing adapter where `propagateTo` says no). Below both the adapters and the propagator, so
 * neither imports the other. Non-enumerable symbol properties, so no transport sends them.
 */

/**
 * Decisions the server hook made, kept on the `request.headers` object HttpInstrumentation
 * extracts from: extract then agrees with what the handler sees (a generated ID, not the rejected
 * or untrusted incoming one). `null` marks an ignored request. A symbol property rather than a
 * WeakMap: a WeakMap entry per request doubled GC work (bench/README.md).
 */
type WithDecision = { [DECISION]?: RequestIdState | null };
let recordDecisions = false;

/** From now on the server hooks record their decisions: a RequestIdPropagator exists to read them. */
export function startRecordingDecisions(): void {
  recordDecisions = true;
}

/** Called by the server hooks (the request's headers object is the carrier extract gets); free until a RequestIdPropagator exists. */
export function recordDecision(request: { headers: object }, state: RequestIdState | null): void {
  if (recordDecisions) Object.defineProperty(request.headers, DECISION, { value: state, configurable: true, writable: true });
}

/** The decision recorded on `carrier`: a state, `null` for an ignored request, `undefined` for none. */
export function decisionOn(carrier: unknown): RequestIdState | null | undefined {
  return typeof carrier === 'object' && carrier !== null ? (carrier as WithDecision)[DECISION] : undefined;
}

/**
 * What inject wrote into a headers object, kept on it. HTTP carriers name no destination: the
 * outgoing hooks, which see the destination right after HttpInstrumentation injected, withdraw
 * these values where `propagateTo` says no.
 */
export interface Injected {
  /** Our header, in lower case, and the ID written in it. */
  readonly key: string;
  readonly id: string;
  /** Whether a baggage entry with the ID was written too. */
  readonly baggage: boolean;
}
export type HeaderObject = Record<string, unknown> & { [INJECTED]?: Injected };

/** What RequestIdPropagator wrote into this headers object, if anything. */
export function injectedInto(headers: unknown): Injected | undefined {
  return isHeaderObject(headers) ? headers[INJECTED] : undefined;
}

export function markInjected(headers: HeaderObject, injected: Injected): void {
  try {
    Object.defineProperty(headers, INJECTED, { value: injected, configurable: true, writable: true });
  } catch {
    // A non-extensible carrier: nothing to withdraw later, since no HTTP hook will read it.
  }
}

/** A plain object of headers (HttpInstrumentation's and undici-instrumentation's carriers), not a Metadata-like class. */
export function isHeaderObject(carrier: unknown): carrier is HeaderObject {
  if (typeof carrier !== 'object' || carrier === null || Array.isArray(carrier)) return false;
  const proto = Object.getPrototypeOf(carrier);
  return proto === Object.prototype || proto === null;
}
