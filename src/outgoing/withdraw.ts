import type { Injected } from '../context/carrier-marks';
import { withoutIdEntries } from './decide';

/**
 * RequestIdPropagator wrote the ID into a call's headers before the outgoing hook could see the
 * destination; where `propagateTo` says no, take back what it wrote: the ID header while it still
 * holds that ID, and the ID's baggage entries. Never a value the app set. One function for every
 * header store: `get` reads header `name`, `set` writes it (`undefined` removes it).
 */
export function withdraw(
  injected: Injected | undefined,
  names: readonly string[],
  get: (name: string) => unknown,
  set: (name: string, value: string | undefined) => void,
): void {
  if (injected === undefined) return;
  for (const name of names) {
    const key = name.toLowerCase();
    const value = get(name);
    if (key === injected.key && value === injected.id) {
      set(name, undefined);
    } else if (key === 'baggage' && injected.baggage && typeof value === 'string') {
      const rest = withoutIdEntries(value, [injected.id]);
      set(name, rest === '' ? undefined : rest);
    }
  }
}
