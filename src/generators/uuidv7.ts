import { POOL, takeBytes } from './random-pool';
import { fromCharCode, HEX_HI, HEX_LO } from './uuid';
import type { IdGenerator } from './types';

/**
 * RFC 9562 UUID v7:
 *
 *   unix_ts_ms (48 bits, big-endian) | ver=7 (4) | rand_a (12) | var=10 (2) | rand_b (62)
 *
 * Monotonicity (RFC 9562 section 6.2, method 1, "fixed bit-length dedicated counter"): rand_a is a
 * 12-bit counter. When the millisecond advances it is re-seeded with a random value whose top bit
 * is clear (0..2047), which leaves at least 2048 increments of headroom in that millisecond. If the
 * clock returns a millisecond that is not after the last one used (same ms, or the clock stepped
 * backwards), the last ms is reused and the counter incremented. If the counter overflows, the
 * stored ms is advanced by one and the counter re-seeded. So, within one generator, every ID is
 * strictly greater (as a string and as a 128-bit number) than the one before it. rand_b is 62 fresh
 * random bits per ID.
 */

const fcc = fromCharCode;
const H = HEX_HI;
const L = HEX_LO;
const pool = POOL;
const DASH = 0x2d;
const SEVEN = 0x37; // '7': the version nibble
const COUNTER_MAX = 0xfff;
const SEED_MASK = 0x7ff;
const TWO_POW_16 = 0x10000;
const MAX_MS = 0xffffffffffff; // 2^48 - 1 (year 10889)

/** Writes the 12 hex digit char codes of a 48-bit millisecond timestamp into `out`. */
function writeTimestamp(ms: number, out: Uint8Array): void {
  const hi = Math.floor(ms / TWO_POW_16); // top 32 bits
  const lo = ms - hi * TWO_POW_16; // low 16 bits
  const b0 = (hi >>> 24) & 0xff;
  const b1 = (hi >>> 16) & 0xff;
  const b2 = (hi >>> 8) & 0xff;
  const b3 = hi & 0xff;
  const b4 = lo >>> 8;
  const b5 = lo & 0xff;
  out[0] = H[b0];
  out[1] = L[b0];
  out[2] = H[b1];
  out[3] = L[b1];
  out[4] = H[b2];
  out[5] = L[b2];
  out[6] = H[b3];
  out[7] = L[b3];
  out[8] = H[b4];
  out[9] = L[b4];
  out[10] = H[b5];
  out[11] = L[b5];
}

function randomSeed(): number {
  const o = takeBytes(2);
  return ((pool[o] << 8) | pool[o + 1]) & SEED_MASK;
}

/**
 * Creates an independent monotonic UUID v7 generator reading milliseconds from `now`
 * (injectable so tests can step the clock). Non-integer values are floored; values below 0 (or
 * NaN) are treated as 0 and values above 2^48 - 1 as 2^48 - 1.
 */
export function createUuidV7Generator(now: () => number = Date.now): IdGenerator {
  let lastMs = -1;
  let counter = 0;
  const t = new Uint8Array(12); // hex char codes of lastMs
  return function uuidv7(): string {
    let ms = Math.floor(now());
    if (!(ms >= 0)) ms = 0; // negative or NaN
    else if (ms > MAX_MS) ms = MAX_MS;
    if (ms > lastMs) {
      lastMs = ms;
      counter = randomSeed();
      writeTimestamp(ms, t);
    } else if (++counter > COUNTER_MAX) {
      lastMs += 1;
      counter = randomSeed();
      writeTimestamp(lastMs, t);
    }
    const c = counter & 0xff;
    const o = takeBytes(8);
    const r0 = (pool[o] & 0x3f) | 0x80; // variant 10xx + 6 bits of rand_b
    const r1 = pool[o + 1];
    const r2 = pool[o + 2];
    const r3 = pool[o + 3];
    const r4 = pool[o + 4];
    const r5 = pool[o + 5];
    const r6 = pool[o + 6];
    const r7 = pool[o + 7];
    // prettier-ignore
    return fcc(
      t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], DASH,
      t[8], t[9], t[10], t[11], DASH,
      SEVEN, L[counter >>> 8], H[c], L[c], DASH,
      H[r0], L[r0], H[r1], L[r1], DASH,
      H[r2], L[r2], H[r3], L[r3], H[r4], L[r4], H[r5], L[r5], H[r6], L[r6], H[r7], L[r7],
    );
  };
}

/** The process-wide UUID v7 generator (one shared counter, so IDs are monotonic across the process). */
export const uuidV7: IdGenerator = createUuidV7Generator();

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Decodes the 48-bit Unix millisecond timestamp of a UUID v7 (throws TypeError if `id` is not a UUID). */
export function uuidv7Timestamp(id: string): number {
  if (typeof id !== 'string' || !UUID_RE.test(id)) throw new TypeError(`not a UUID: ${String(id)}`);
  return parseInt(id.slice(0, 8), 16) * TWO_POW_16 + parseInt(id.slice(9, 13), 16);
}
