import { subscribe } from 'node:diagnostics_channel';

/** The part of undici's request object that `undici:request:create` subscribers use. */
export interface UndiciRequest {
  origin: string;
  path: string;
  method: string;
  /** `[name, value, name, value, …]` in undici 6+; a `name: value\r\n` string in older versions. */
  headers: string[] | string;
  addHeader(name: string, value: string): unknown;
}

/** Receives what undici publishes: `{ request }`. */
export type FetchRequestHook = (message: { request: UndiciRequest }) => void;

const CREATE = 'undici:request:create';
const hooks = new Set<FetchRequestHook>();

/**
 * Global `fetch` is undici, not `node:http`. Its `undici:request:create` channel fires
 * synchronously inside `fetch()` (once per redirect hop), in the caller's async context, while
 * headers can be added. Subscribed when this module loads, so that our hooks run before
 * instrumentation-undici's injection whenever it is constructed after this package is loaded
 * (NodeSDK set-ups, register): `propagateTo` can then stop the propagator's header being added at all.
 */
subscribe(CREATE, (message) => {
  for (const hook of hooks) hook(message as { request: UndiciRequest });
});

export function addFetchRequestHook(hook: FetchRequestHook): void {
  hooks.add(hook);
}

export function removeFetchRequestHook(hook: FetchRequestHook): void {
  hooks.delete(hook);
}

/** How many entries of a header undici's request carries (a header the app set always wins). */
export function undiciHeaderCount(request: UndiciRequest, key: string): number {
  const headers = request.headers;
  let n = 0;
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) if (headers[i].toLowerCase() === key) n++;
  } else if (typeof headers === 'string') {
    for (const line of headers.toLowerCase().split('\r\n')) if (line.startsWith(`${key}:`)) n++;
  }
  return n;
}

/**
 * Rewrites every value of one header on undici's request (`rewrite` returns `''` to remove the
 * entry). undici 6+ keeps `[name, value, …]`; older versions one `name: value\r\n` string.
 */
export function rewriteUndiciHeader(request: UndiciRequest, key: string, rewrite: (value: string) => string): void {
  const headers = request.headers;
  if (Array.isArray(headers)) {
    for (let i = headers.length - 2; i >= 0; i -= 2) {
      if (typeof headers[i] !== 'string' || headers[i].toLowerCase() !== key) continue;
      const value = rewrite(String(headers[i + 1]));
      if (value === '') headers.splice(i, 2);
      else headers[i + 1] = value;
    }
  } else if (typeof headers === 'string') {
    request.headers = headers
      .split('\r\n')
      .map((line) => {
        const colon = line.indexOf(':');
        if (colon === -1 || line.slice(0, colon).trim().toLowerCase() !== key) return line;
        const value = rewrite(line.slice(colon + 1).trim());
        return value === '' ? undefined : `${line.slice(0, colon)}: ${value}`;
      })
      .filter((line) => line !== undefined)
      .join('\r\n');
  }
}
