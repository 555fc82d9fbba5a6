import { context, ROOT_CONTEXT } from '@opentelemetry/api';

const PROBE = ROOT_CONTEXT.setValue(Symbol('@rid/otel.probe'), true);
function probeIsActive(): boolean {
  return context.active() === PROBE;
}
let managerSeen = false;

/**
 * Whether an OTel context manager is registered, so that `context.with` carries a request's
 * state; without one our own store does. One can be registered after this package loads, and
 * none is ever unregistered but by `disable()`, which tests alone call: a `true` is kept.
 */
export function contextManagerWorks(): boolean {
  return managerSeen || (managerSeen = context.with(PROBE, probeIsActive));
}
