import { latin1, textOf } from '../internals/undici';
import type { ResponseIds, ResponseIdVendor } from './vendor';

/**
 * Which of a vendor's IDs a response holds, from the headers as each transport hands them over.
 * One pass over the names, a pre-filter of a length check and a few character compares per name,
 * and no `response.headers` object: a response without IDs allocates nothing. The first value of
 * each header wins.
 */

/** Node's `rawHeaders`: `[name, value, …]` with the names as sent. */
export function idsFromRawHeaders(vendor: ResponseIdVendor, raw: readonly string[]): ResponseIds | undefined {
  let ids: ResponseIds | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (!vendor.mayBeIdName(name)) continue;
    const slot = vendor.slotOf(name.toLowerCase());
    if (slot === -1) continue;
    ids ??= vendor.newIds();
    ids.set(slot, raw[i + 1]);
  }
  return ids;
}

/** undici's response headers: `[name, value, …]` as Buffers (strings are accepted too). */
export function idsFromBufferHeaders(vendor: ResponseIdVendor, headers: unknown): ResponseIds | undefined {
  if (!Array.isArray(headers)) return undefined;
  let ids: ResponseIds | undefined;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as unknown;
    let lower: string;
    if (name instanceof Uint8Array) {
      if (!vendor.mayBeIdBytes(name)) continue;
      lower = latin1(name).toLowerCase();
    } else if (typeof name === 'string') {
      if (!vendor.mayBeIdName(name)) continue;
      lower = name.toLowerCase();
    } else {
      continue;
    }
    const slot = vendor.slotOf(lower);
    if (slot === -1) continue;
    ids ??= vendor.newIds();
    ids.set(slot, textOf(headers[i + 1]));
  }
  return ids;
}

/** `node:http2`'s response headers: an object with lower-case names (a repeated header is an array). */
export function idsFromHeaderObject(vendor: ResponseIdVendor, headers: Readonly<Record<string, unknown>>): ResponseIds | undefined {
  let ids: ResponseIds | undefined;
  for (const name in headers) {
    if (!vendor.mayBeIdName(name)) continue;
    const slot = vendor.slotOf(name);
    if (slot === -1) continue;
    const value = headers[name];
    const first = Array.isArray(value) ? (value[0] as unknown) : value;
    if (typeof first !== 'string') continue;
    ids ??= vendor.newIds();
    ids.set(slot, first);
  }
  return ids;
}
