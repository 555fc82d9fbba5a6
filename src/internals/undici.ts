/**
 * The one module that knows undici's request object (global `fetch`) beyond what its diagnostics
 * channels document. undici publishes the request on `undici:request:create` with a public
 * `addHeader()`; its `headers` list is read and, to withhold or de-duplicate our own header,
 * rewritten in place, and `addHeader` is overridden on one request. undici 6+ keeps
 * `[name, value, …]`; older versions one `name: value\r\n` string; both are handled, and anything
 * else reads as "no headers" (test/internals/undici.test.ts fails loudly on an undici that differs).
 */

/** The part of undici's request object that `undici:request:create` subscribers use. */
export interface UndiciRequest {
  origin: string;
  path: string;
  method: string;
  /** `[name, value, name, value, …]` in undici 6+; a `name: value\r\n` string in older versions. */
  headers: string[] | string;
  addHeader(name: string, value: string): unknown;
}

/** How many entries of a header undici's request carries (`key` in lower case). */
export function undiciHeaderCount(request: UndiciRequest, key: string): number {
  const headers = request.headers;
  let n = 0;
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) if (typeof headers[i] === 'string' && headers[i].toLowerCase() === key) n++;
  } else if (typeof headers === 'string') {
    for (const line of headers.toLowerCase().split('\r\n')) if (line.startsWith(`${key}:`)) n++;
  }
  return n;
}

/** The first value of a header (`key` in lower case) in undici's request headers, as either form. */
export function undiciHeaderValue(headers: unknown, key: string): string | undefined {
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i];
      if (typeof name === 'string' && name.toLowerCase() === key) return textOf(headers[i + 1]);
    }
    return undefined;
  }
  if (typeof headers !== 'string') return undefined;
  for (const line of headers.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === key) return line.slice(colon + 1).trim();
  }
  return undefined;
}

/**
 * Rewrites every value of one header on undici's request (`rewrite` returns `''` to remove the
 * entry).
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

/**
 * Filters what later `addHeader` calls add to this one request (instrumentation-undici's injection
 * when it subscribed after us): `filter` returns the value to add, or `undefined` to drop the call.
 */
export function filterLaterAdds(request: UndiciRequest, filter: (key: string, value: unknown) => unknown): void {
  const addHeader = request.addHeader;
  request.addHeader = function (this: UndiciRequest, name: string, value: string) {
    if (typeof name !== 'string') return addHeader.call(this, name, value);
    const kept = filter(name.toLowerCase(), value);
    return kept === undefined ? this : addHeader.call(this, name, kept as string);
  };
}

/** A header value as undici's response hands it over (Buffer, string, or a list of them), as a string. */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return latin1(value);
  if (Array.isArray(value) && value.length > 0) return textOf(value[0]);
  return '';
}

/** Bytes as Latin-1 text, without copying them. */
function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}
