/**
 * How many times header `key` (lower case) is named, in any case, in a raw `[name, value, …]`
 * list: Node's `rawHeaders` on HTTP/1.1, the `'stream'` event's raw list and the raw `respond()`
 * form on HTTP/2. A repeated request-ID header is never one ID, on either transport.
 */
export function countRawHeader(raw: readonly unknown[] | undefined, key: string): number {
  if (raw === undefined) return 0;
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (typeof name === 'string' && name.length === key.length && name.toLowerCase() === key) n++;
  }
  return n;
}
