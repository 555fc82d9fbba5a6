import { subscribe, unsubscribe } from 'node:diagnostics_channel';

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

/**
 * Global `fetch` is undici, not `node:http`. Its `undici:request:create` channel fires
 * synchronously inside `fetch()`, in the caller's async context, while headers can be added.
 */
export function addFetchRequestHook(hook: FetchRequestHook): void {
  subscribe(CREATE, hook as (message: unknown) => void);
}

export function removeFetchRequestHook(hook: FetchRequestHook): void {
  unsubscribe(CREATE, hook as (message: unknown) => void);
}

/** Whether undici's request already carries a header (the app's own value always wins). */
export function undiciHasHeader(request: UndiciRequest, key: string): boolean {
  const headers = request.headers;
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) if (headers[i].toLowerCase() === key) return true;
    return false;
  }
  if (typeof headers !== 'string') return false;
  const lower = headers.toLowerCase();
  return lower.startsWith(`${key}:`) || lower.includes(`\r\n${key}:`);
}
