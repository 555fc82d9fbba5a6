import { textOf } from '../internals/undici';
import { FoundIds, type HeaderEntry, type HostTable } from '../vendors/host-table';

/**
 * Which IDs a response holds, from the headers as each transport hands them over, against the
 * table of its destination host (host-table.ts). One pass over the names: per name, one read of
 * the bucket of its length, and a compare only for a name of the same length as a listed one. No
 * `response.headers` object is built, and a response without IDs allocates nothing. The first
 * value of each header wins.
 *
 * `sent(carrier, key)` says what the call itself carried in header `key` (lower case): only asked
 * when a response has one of our own headers (the downstream echo), which is recorded when the
 * call carried that header and the response's value differs.
 */
export type SentHeader<C> = (carrier: C, key: string) => string | undefined;

/** The character code at `i` of a header name, as a string or as bytes. */
type CodeAt<N> = (name: N, i: number) => number;
const charCode: CodeAt<string> = (name, i) => name.charCodeAt(i);
const byteCode: CodeAt<Uint8Array> = (name, i) => name[i];

/**
 * The entry of `name` (any case, `length` characters) in its length bucket, if any. The last
 * character is compared first: names of one length mostly share their start (`x-`, `content-`)
 * and differ at the end. `| 0x20` folds A-Z onto a-z; a header name has no control character that
 * could fold onto `-` or a digit. Each call site passes one `codeAt`, which V8 inlines there.
 */
function inBucket<N>(bucket: readonly HeaderEntry[], name: N, length: number, codeAt: CodeAt<N>): HeaderEntry | undefined {
  const last = length - 1;
  const end = codeAt(name, last) | 0x20;
  for (let j = 0; j < bucket.length; j++) {
    const entry = bucket[j];
    if (entry.last !== end) continue;
    const lower = entry.lower;
    let i = 0;
    for (; i < last; i++) {
      const c = codeAt(name, i);
      const t = lower.charCodeAt(i);
      if (c !== t && (c | 0x20) !== t) break;
    }
    if (i === last) return entry;
  }
  return undefined;
}

function record<C>(ids: FoundIds | undefined, table: HostTable, entry: HeaderEntry, value: string, carrier: C, sent: SentHeader<C>): FoundIds | undefined {
  if (entry.echo) {
    const ours = sent(carrier, entry.lower);
    if (ours === undefined || ours === value) return ids;
  }
  ids ??= new FoundIds(table);
  ids.set(entry, value);
  return ids;
}

/** Node's `rawHeaders`: `[name, value, …]` with the names as sent. */
export function idsFromRawHeaders<C>(table: HostTable, raw: readonly string[], carrier: C, sent: SentHeader<C>): FoundIds | undefined {
  const byLength = table.byLength;
  const longest = byLength.length - 1;
  let ids: FoundIds | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const n = name.length;
    if (n > longest) continue;
    const bucket = byLength[n];
    if (bucket === undefined) continue;
    const entry = inBucket(bucket, name, n, charCode);
    if (entry !== undefined) ids = record(ids, table, entry, raw[i + 1], carrier, sent);
  }
  return ids;
}

/** undici's response headers: `[name, value, …]` as Buffers (strings are accepted too). */
export function idsFromBufferHeaders<C>(table: HostTable, headers: unknown, carrier: C, sent: SentHeader<C>): FoundIds | undefined {
  if (!Array.isArray(headers)) return undefined;
  const byLength = table.byLength;
  const longest = byLength.length - 1;
  let ids: FoundIds | undefined;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as unknown;
    let entry: HeaderEntry | undefined;
    if (name instanceof Uint8Array) {
      const bucket = name.length > longest ? undefined : byLength[name.length];
      if (bucket !== undefined) entry = inBucket(bucket, name, name.length, byteCode);
    } else if (typeof name === 'string') {
      const bucket = name.length > longest ? undefined : byLength[name.length];
      if (bucket !== undefined) entry = inBucket(bucket, name, name.length, charCode);
    }
    if (entry === undefined) continue;
    const value = headers[i + 1] as unknown;
    // The echo of the ID the call carried (the usual answer of our own services): compared as
    // bytes, so that it costs no string.
    if (entry.echo && valueIs(value, sent(carrier, entry.lower))) continue;
    ids = record(ids, table, entry, textOf(value), carrier, sent);
  }
  return ids;
}

/** Whether an undici header value (Buffer or string) is `text`; `undefined` (the call carried none) counts as the same: nothing to record. */
function valueIs(value: unknown, text: string | undefined): boolean {
  if (text === undefined) return true;
  if (!(value instanceof Uint8Array)) return textOf(value) === text;
  if (value.length !== text.length) return false;
  for (let i = 0; i < value.length; i++) if (value[i] !== text.charCodeAt(i)) return false;
  return true;
}

/**
 * A headers object keyed by name (node:http2's response headers, lower case; pseudo-headers such as
 * `:status` never match). A repeated header's array value gives its first value.
 */
export function idsFromHeaderObject<C>(
  table: HostTable,
  headers: Readonly<Record<string, unknown>>,
  carrier: C,
  sent: SentHeader<C>,
): FoundIds | undefined {
  const byLength = table.byLength;
  const longest = byLength.length - 1;
  let ids: FoundIds | undefined;
  for (const name in headers) {
    const bucket = name.length > longest ? undefined : byLength[name.length];
    const entry = bucket === undefined ? undefined : inBucket(bucket, name, name.length, charCode);
    if (entry === undefined) continue;
    const value = headers[name];
    if (value !== undefined) ids = record(ids, table, entry, textOf(typeof value === 'number' ? String(value) : value), carrier, sent);
  }
  return ids;
}

/** `sent` for a request headers object keyed by lower-case name (node:http2's): the header's first value. */
export function sentInHeaderObject(headers: Readonly<Record<string, unknown>> | undefined, key: string): string | undefined {
  const value = headers?.[key];
  if (typeof value === 'string') return value;
  return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
}
