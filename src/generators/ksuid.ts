import { POOL, takeBytes } from './random-pool';
import type { IdGenerator } from './types';
import { fromCharCode } from './uuid';

/**
 * Over 300 lines on purpose: the base conversion below is written out step by step. A loop over
 * coefficient tables gives the same IDs but measured 1.15-1.48x crypto.randomUUID in
 * `npm run bench:ids` against this file's 0.80-0.90x (issue 13's note has the runs): passing 27
 * character codes through an array costs more than the whole rest of the loop.
 *
 * KSUID (segmentio/ksuid): 20 bytes = 4-byte big-endian seconds since the KSUID epoch
 * (1400000000 = 2014-05-13T16:53:20Z) followed by 16 random bytes, written as a 27-character
 * base62 number (alphabet `0-9A-Za-z`, so string order = numeric order = time order), left-padded
 * with '0'.
 *
 * Base conversion, all in exact double arithmetic. The 20 bytes are 5 uint32 words,
 * N = w0*2^128 + w1*2^96 + w2*2^64 + w3*2^32 + w4, and the output is N in base 62^3 = 238328:
 * 9 "limbs" of 3 base62 digits each (62^27 > 2^160, so 9 limbs always give all 27 digits, leading
 * zeros included, no padding step).
 *
 * Schoolbook long division (divide the 5 words by 62^3, keep the remainder, repeat 9 times) is a
 * chain of 45 dependent divisions. We get the same limbs with a shorter chain: the base-62^3 limbs
 * of 2^32, 2^64, 2^96 and 2^128 are precomputed (A*, B*, C*, D* below, derived with BigInt at load),
 * so limb k of N before carries is w4*[k=0] + w3*A_k + w2*B_k + w1*C_k + w0*D_k. Every product is
 * < 2^32 * 2^18, a limb's at most 5 terms plus the incoming carry (< 2^35) stay below 2^53, so all
 * values are exact integers. The 21 products are independent (the CPU overlaps them), and only 8
 * carry steps (a multiply by 1/62^3, see `encode`) remain on the critical path. Each limb is then
 * split into 3 digits with int32 arithmetic and table lookups, and the 27 char codes become one
 * flat string with a single String.fromCharCode call.
 */

export const KSUID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** KSUID epoch in Unix seconds. */
export const KSUID_EPOCH_SECONDS = 1_400_000_000;
const KSUID_LENGTH = 27;
/** Largest KSUID timestamp (seconds since the KSUID epoch): 2^32 - 1. */
const KSUID_MAX_TIMESTAMP = 0xffffffff;

const BASE3 = 62 * 62 * 62; // 238328 = 62^3
const BASE2 = 62 * 62; // 3844
const INV_BASE3 = 1 / BASE3;
const TWO_POW_32 = 0x100000000;

/** The 9 little-endian base-62^3 limbs of 2^bits. */
function limbsOfPowerOfTwo(bits: number): number[] {
  let v = BigInt(2) ** BigInt(bits);
  const out: number[] = [];
  for (let k = 0; k < 9; k++) {
    out.push(Number(v % BigInt(BASE3)));
    v /= BigInt(BASE3);
  }
  return out;
}
const [A0, A1] = limbsOfPowerOfTwo(32); // 2^32 needs 2 limbs
const [B0, B1, B2, B3] = limbsOfPowerOfTwo(64); // 4 limbs
const [C0, C1, C2, C3, C4, C5] = limbsOfPowerOfTwo(96); // 6 limbs
const [D0, D1, D2, D3, D4, D5, D6, D7] = limbsOfPowerOfTwo(128); // 8 limbs

const fcc = fromCharCode;
/** Char code of base62 digit d. */
const DIGIT: Uint8Array = Uint8Array.from({ length: 62 }, (_, d) => KSUID_ALPHABET.charCodeAt(d));
/** Char codes of the two base62 digits of n (0..3843). */
const PAIR_HI: Uint8Array = Uint8Array.from({ length: BASE2 }, (_, n) => KSUID_ALPHABET.charCodeAt(Math.floor(n / 62)));
const PAIR_LO: Uint8Array = Uint8Array.from({ length: BASE2 }, (_, n) => KSUID_ALPHABET.charCodeAt(n % 62));
/** Scratch: payload copy for ksuidFromParts (keeps `encode`'s byte source monomorphic). */
const PAYLOAD = new Uint8Array(16);
const pool = POOL;

/**
 * KSUID string of timestamp `ts` (uint32) followed by the 16 payload bytes b[o..o+16).
 *
 * Carry steps: q = floor(t / 62^3) is computed as floor(t * (1/62^3)), a multiply instead of a
 * division on the critical path. For 0 <= t < 2^53 the product is within 2^-17 of t / 62^3, so q
 * can be off by one at most; r = t - q * 62^3 is exact (q * 62^3 < 2^53) and one compare fixes
 * either direction. (For this divisor the double 1/62^3 is below the real value by only 2.4e-17
 * relative, so the fix-up never actually fires; it stays as a cheap, well-predicted guard.)
 *
 * Written out by hand (no helper calls, no scratch arrays: the 27 char codes are locals passed
 * straight to String.fromCharCode) so the whole conversion is one optimized function working on
 * unboxed doubles and int32s. A helper-per-limb version exceeded TurboFan's inlining budget and
 * boxed every intermediate double (~2x slower).
 */
function encode(ts: number, b: Uint8Array, o: number): string {
  const w0 = ts;
  const w1 = b[o] * 0x1000000 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
  const w2 = b[o + 4] * 0x1000000 + ((b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7]);
  const w3 = b[o + 8] * 0x1000000 + ((b[o + 9] << 16) | (b[o + 10] << 8) | b[o + 11]);
  const w4 = b[o + 12] * 0x1000000 + ((b[o + 13] << 16) | (b[o + 14] << 8) | b[o + 15]);
  let t: number; // limb value before its carry out
  let q: number; // carry out = floor(t / 62^3)
  let r: number; // limb = t mod 62^3
  let v: number; // limb as int32
  let h: number; // its most significant digit
  let l: number; // its two least significant digits (0..3843)

  // Limbs from least to most significant: sum of word * (limb of its place value) + carry in.
  t = w4 + w3 * A0 + w2 * B0 + w1 * C0 + w0 * D0;
  q = Math.floor(t * INV_BASE3);
  r = t - q * BASE3;
  if (r < 0) {
    q -= 1;
    r += BASE3;
  } else if (r >= BASE3) {
    q += 1;
    r -= BASE3;
  }
  v = r | 0;
  h = (v / BASE2) | 0;
  l = v - h * BASE2;
  const c24 = DIGIT[h];
  const c25 = PAIR_HI[l];
  const c26 = PAIR_LO[l];
  t = q + w3 * A1 + w2 * B1 + w1 * C1 + w0 * D1;
  q = Math.floor(t * INV_BASE3);
  r = t - q * BASE3;
  if (r < 0) {
    q -= 1;
    r += BASE3;
  } else if (r >= BASE3) {
    q += 1;
    r -= BASE3;
  }
  v = r | 0;
  h = (v / BASE2) | 0;
  l = v - h * BASE2;
  const c21 = DIGIT[h];
  const c22 = PAIR_HI[l];
  const c23 = PAIR_LO[l];
  t = q + w2 * B2 + w1 * C2 + w0 * D2;
  q = Math.floor(t * INV_BASE3);
  r = t - q * BASE3;
  if (r < 0) {
    q -= 1;
    r += BASE3;
  } else if (r >= BASE3) {
    q += 1;
    r -= BASE3;
  }
  v = r | 0;
  h = (v / BASE2) | 0;
  l = v - h * BASE2;
  const c18 = DIGIT[h];
  const c19 = PAIR_HI[l];
  const c20 = PAIR_LO[l];
  t = q + w2 * B3 + w1 * C3 + w0 * D3;
  q = Math.floor(t * INV_BASE3);
  r = t - q * BASE3;
  if (r < 0) {
    q -= 1;
    r += BASE3;
  } else if (r >= BASE3) {
    q += 1;
    r -= BASE3;
  }
  v = r | 0;
  h = (v / BASE2) | 0;
  l = v - h * BASE2;
  const c15 = DIGIT[h];
  const c16 = PAIR_HI[l];
  const c17 = PAIR_LO[l];
  t = q + w1 * C4 + w0 * D4;
  q = Math.floor(t * INV_BASE3);
  r = t - q * BASE3;
  if (r < 0) {
    q -= 1;
    r += BASE3;
  } else if (r >= BASE3) {
    q += 1;
    r -= BASE3;
  }
  v = r | 0;
  h = (v / BASE2) | 0;
  l = v - h * BASE2;
  const c12 = DIGIT[h];
  const c13 = PAIR_HI[l];
  const c14 = PAIR_LO[l];
  t = q + w1 * C5 + w0 * D5;
  q = Math.floor(t * INV_BASE3);
  r = t - q * BASE3;
  if (r < 0) {
    q -= 1;
    r += BASE3;
  } else if (r >= BASE3) {
    q += 1;
    r -= BASE3;
  }
  v = r | 0;
  h = (v / BASE2) | 0;
  l = v - h * BASE2;
  const c9 = DIGIT[h];
  const c10 = PAIR_HI[l];
  const c11 = PAIR_LO[l];
  t = q + w0 * D6;
  q = Math.floor(t * INV_BASE3);
  r = t - q * BASE3;
  if (r < 0) {
    q -= 1;
    r += BASE3;
  } else if (r >= BASE3) {
    q += 1;
    r -= BASE3;
  }
  v = r | 0;
  h = (v / BASE2) | 0;
  l = v - h * BASE2;
  const c6 = DIGIT[h];
  const c7 = PAIR_HI[l];
  const c8 = PAIR_LO[l];
  t = q + w0 * D7;
  q = Math.floor(t * INV_BASE3);
  r = t - q * BASE3;
  if (r < 0) {
    q -= 1;
    r += BASE3;
  } else if (r >= BASE3) {
    q += 1;
    r -= BASE3;
  }
  v = r | 0;
  h = (v / BASE2) | 0;
  l = v - h * BASE2;
  const c3 = DIGIT[h];
  const c4 = PAIR_HI[l];
  const c5 = PAIR_LO[l];
  v = q | 0; // most significant limb: < 62^3 because N < 2^160 < 62^27
  h = (v / BASE2) | 0;
  l = v - h * BASE2;
  const c0 = DIGIT[h];
  const c1 = PAIR_HI[l];
  const c2 = PAIR_LO[l];

  // prettier-ignore
  return fcc(
    c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13,
    c14, c15, c16, c17, c18, c19, c20, c21, c22, c23, c24, c25, c26,
  );
}

function readWord(bytes: ArrayLike<number>, o: number): number {
  return bytes[o] * 0x1000000 + ((bytes[o + 1] << 16) | (bytes[o + 2] << 8) | bytes[o + 3]);
}

/**
 * Encodes a KSUID from its parts: `seconds` since the KSUID epoch (an integer 0..2^32-1, the raw
 * timestamp field) and a 16-byte payload. Throws RangeError/TypeError on bad input.
 */
export function ksuidFromParts(seconds: number, payload: Uint8Array): string {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > KSUID_MAX_TIMESTAMP) {
    throw new RangeError(`KSUID timestamp must be an integer in 0..${KSUID_MAX_TIMESTAMP}, got ${seconds}`);
  }
  if (!(payload instanceof Uint8Array) || payload.length !== 16) {
    throw new TypeError('KSUID payload must be a Uint8Array of 16 bytes');
  }
  PAYLOAD.set(payload);
  return encode(seconds, PAYLOAD, 0);
}

/** Encodes 20 raw KSUID bytes (timestamp + payload) as the 27-character string. */
export function ksuidFromBytes(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 20) {
    throw new TypeError('raw KSUID must be a Uint8Array of 20 bytes');
  }
  PAYLOAD.set(bytes.subarray(4, 20));
  return encode(readWord(bytes, 0), PAYLOAD, 0);
}

/** Decodes a 27-character KSUID string to its 20 raw bytes. Throws TypeError if it is not a KSUID. */
export function ksuidDecode(id: string): Uint8Array {
  if (typeof id !== 'string' || id.length !== KSUID_LENGTH) {
    throw new TypeError(`not a KSUID (expected ${KSUID_LENGTH} base62 characters): ${String(id)}`);
  }
  const words = [0, 0, 0, 0, 0];
  for (let i = 0; i < KSUID_LENGTH; i++) {
    const code = id.charCodeAt(i);
    let digit: number;
    if (code >= 48 && code <= 57) digit = code - 48;
    else if (code >= 65 && code <= 90) digit = code - 55;
    else if (code >= 97 && code <= 122) digit = code - 61;
    else throw new TypeError(`not a KSUID (bad character at index ${i}): ${id}`);
    let carry = digit;
    for (let w = 4; w >= 0; w--) {
      const v = words[w] * 62 + carry; // < 2^38: exact
      carry = Math.floor(v / TWO_POW_32);
      words[w] = v - carry * TWO_POW_32;
    }
    if (carry !== 0) throw new TypeError(`not a KSUID (value exceeds 160 bits): ${id}`);
  }
  const bytes = new Uint8Array(20);
  for (let w = 0; w < 5; w++) {
    const v = words[w];
    bytes[w * 4] = Math.floor(v / 0x1000000);
    bytes[w * 4 + 1] = (v >>> 16) & 0xff;
    bytes[w * 4 + 2] = (v >>> 8) & 0xff;
    bytes[w * 4 + 3] = v & 0xff;
  }
  return bytes;
}

/** The raw timestamp of a KSUID: seconds since the KSUID epoch (add {@link KSUID_EPOCH_SECONDS} for Unix seconds). */
export function ksuidTimestamp(id: string): number {
  const b = ksuidDecode(id);
  return readWord(b, 0);
}

/**
 * Creates a KSUID generator reading Unix milliseconds from `now` (injectable for tests). The
 * timestamp never goes below the last one this generator emitted, even if the clock steps back;
 * it is clamped to the representable range 2014-05-13 .. 2150-06-19.
 */
export function createKsuidGenerator(now: () => number = Date.now): IdGenerator {
  let last = 0;
  return function ksuid(): string {
    let ts = Math.floor(now() / 1000) - KSUID_EPOCH_SECONDS;
    if (ts > last) {
      if (ts > KSUID_MAX_TIMESTAMP) ts = KSUID_MAX_TIMESTAMP;
      last = ts;
    } else {
      ts = last;
    }
    const o = takeBytes(16);
    return encode(ts, pool, o);
  };
}

/** The process-wide KSUID generator. */
export const ksuid: IdGenerator = createKsuidGenerator();
