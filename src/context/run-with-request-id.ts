import { runWithState, standaloneState } from './request-state';
import { Guard } from '../diag';
import { createGenerator } from '../generators';
import { DEFAULT_POLICY, isAcceptable } from '../config/validation';

const generateUuid = createGenerator('uuid');
const guard = new Guard();

/**
 * Runs `fn` under a request ID outside any incoming request: a background job, a queue consumer,
 * a script. `getRequestId()`, outgoing propagation and RequestIdSpanProcessor all see it.
 * Without an ID (or with one that fails the default validation) a fresh uuid is used.
 */
export function runWithRequestId<T>(id: string | undefined, fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError('runWithRequestId(id, fn): fn must be a function');
  let value = id;
  if (value === undefined || value === '') {
    value = generateUuid();
  } else if (typeof value !== 'string' || !isAcceptable(value, DEFAULT_POLICY)) {
    guard.report('runWithRequestId', 'runWithRequestId was given an ID that fails the default validation; using a fresh uuid');
    value = generateUuid();
  }
  return runWithState(standaloneState(value), fn);
}
