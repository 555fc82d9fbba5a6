import { IncomingMessage, ServerResponse } from 'node:http';

/**
 * `res.setHeader(name, value)` without its hidden cost. Node stores the header under
 * `name.toLowerCase()`, a fresh string on every call for a mixed-case name, and a keyed store with
 * a fresh string key on its null-prototype header object goes through V8's slow runtime path:
 * about 1.5 us per call on Node 20, more than the rest of this package's per-request work
 * (bench/README.md). We write the same entry under the lower-case key computed once.
 *
 * Node keeps the headers under an internal symbol (`kOutHeaders`). It is found and checked against
 * setHeader/getHeader once, at load; if anything differs (another Node version), every call is
 * plain setHeader.
 */
type HeaderStore = Record<string, [string, string]>;
type WithStore = ServerResponse & Record<symbol, HeaderStore | null | undefined> & { _header?: unknown; getRawHeaderNames(): string[] };

const OUT_HEADERS = findHeaderStore();
// What Node's setHeader refuses in a value (checkInvalidHeaderChar); the store is written unchecked.
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** Sets `name: value` on a response whose head is not written yet; `key` is `name.toLowerCase()`. */
export function setResponseHeader(response: ServerResponse, name: string, key: string, value: string): void {
  const res = response as WithStore;
  const headers = OUT_HEADERS === undefined || res._header != null || INVALID_VALUE.test(value) ? undefined : storeOf(res, OUT_HEADERS);
  if (headers === undefined) response.setHeader(name, value);
  else headers[key] = [name, value];
}

/** The response's header store, created as setHeader would; undefined when it has none (not a response we probed). */
function storeOf(res: WithStore, symbol: symbol): HeaderStore | undefined {
  const headers = res[symbol];
  return headers === null ? (res[symbol] = Object.create(null) as HeaderStore) : headers;
}

function findHeaderStore(): symbol | undefined {
  try {
    const probe = new ServerResponse(new IncomingMessage(null as never)) as WithStore;
    const symbol = Object.getOwnPropertySymbols(probe).find((s) => s.description === 'kOutHeaders');
    if (symbol === undefined || probe[symbol] !== null) return undefined;
    // Our write must read back through Node's API, and setHeader must use the same store.
    const store = Object.create(null) as HeaderStore;
    probe[symbol] = store;
    store['x-probe'] = ['X-Probe', 'one'];
    probe.setHeader('X-Other', 'two');
    const ok =
      probe.getHeader('x-probe') === 'one' &&
      probe.getHeaderNames().join() === 'x-probe,x-other' &&
      probe.getRawHeaderNames().join() === 'X-Probe,X-Other' &&
      store['x-other']?.[1] === 'two';
    return ok ? symbol : undefined;
  } catch {
    return undefined;
  }
}

/** For tests: whether the fast path is in use on this Node. */
export const usesHeaderStore = OUT_HEADERS !== undefined;
