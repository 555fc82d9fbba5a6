import { POOL, takeBytes } from './random-pool';
import { fromCharCode, HEX_HI, HEX_LO } from './uuid';

const fcc = fromCharCode;
const H = HEX_HI;
const L = HEX_LO;
const pool = POOL;

/**
 * A W3C trace ID: 32 lowercase hex characters from 16 pooled random bytes, never all zeros (an
 * all-zero trace ID is invalid, W3C Trace Context §3.2.2.3; the chance is 2^-128, but it is cheap to rule out).
 * Unrolled as uuid.ts is: one flat string from one fromCharCode call.
 */
export function randomTraceId(): string {
  for (;;) {
    const o = takeBytes(16);
    const b0 = pool[o + 0];
    const b1 = pool[o + 1];
    const b2 = pool[o + 2];
    const b3 = pool[o + 3];
    const b4 = pool[o + 4];
    const b5 = pool[o + 5];
    const b6 = pool[o + 6];
    const b7 = pool[o + 7];
    const b8 = pool[o + 8];
    const b9 = pool[o + 9];
    const b10 = pool[o + 10];
    const b11 = pool[o + 11];
    const b12 = pool[o + 12];
    const b13 = pool[o + 13];
    const b14 = pool[o + 14];
    const b15 = pool[o + 15];
    if ((b0 | b1 | b2 | b3 | b4 | b5 | b6 | b7 | b8 | b9 | b10 | b11 | b12 | b13 | b14 | b15) === 0) continue;
    return fcc(
      H[b0], L[b0],
      H[b1], L[b1],
      H[b2], L[b2],
      H[b3], L[b3],
      H[b4], L[b4],
      H[b5], L[b5],
      H[b6], L[b6],
      H[b7], L[b7],
      H[b8], L[b8],
      H[b9], L[b9],
      H[b10], L[b10],
      H[b11], L[b11],
      H[b12], L[b12],
      H[b13], L[b13],
      H[b14], L[b14],
      H[b15], L[b15],
    );
  }
}

// 32 hex digits, or a UUID's 8-4-4-4-12 in any case and with any version digit: Envoy rewrites the
// 14th digit of its x-request-id UUIDs to carry its sampling decision (envoy#11532).
const HEX32 = /^[0-9a-fA-F]{32}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ALL_ZEROS = /^0+$/;

/** The trace ID a request ID names: 32 hex characters or a UUID, lower-cased, dashes removed; undefined for anything else or all zeros. */
export function traceIdOf(value: string): string | undefined {
  let hex: string;
  if (value.length === 32 && HEX32.test(value)) hex = value.toLowerCase();
  else if (value.length === 36 && UUID.test(value)) hex = value.replace(/-/g, '').toLowerCase();
  else return undefined;
  return ALL_ZEROS.test(hex) ? undefined : hex;
}
