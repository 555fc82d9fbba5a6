import { RequestIdConfigError } from '../errors';
import { POOL, POOL_SIZE, takeBytes } from './random-pool';
import { fromCharCode } from './uuid';
import type { IdGenerator, RangeIdOptions } from './types';

/**
 * `range_id`: `length` characters drawn uniformly from `charSet` (APISIX's request-id `range_id`).
 *
 * Unbiased: each random byte is masked down to the smallest `2^k - 1 >= charSet.length - 1` and
 * rejected when the masked value is not a valid index (nanoid's `customAlphabet` approach), instead
 * of `byte % n`, which would favour the first `256 % n` characters.
 */

// Upstream APISIX's default char set has a typo ("...HIGK...": G twice, J missing); we use the correct 62 alphanumerics.
export const DEFAULT_RANGE_ID_CHARSET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const DEFAULT_RANGE_ID_LENGTH = 16;
export const MIN_RANGE_ID_LENGTH = 6;
const MIN_RANGE_ID_DISTINCT_CHARS = 6;
const MAX_RANGE_ID_CHARSET_LENGTH = 256;
// No longer ID can pass validation (validation.maxLength is at most 16384): checked before any
// allocation, so a length of 10^9 is an error at construction, not an out-of-memory abort.
export const MAX_RANGE_ID_LENGTH = 16384;

const LENGTH_EXPECTED = `an integer >= ${MIN_RANGE_ID_LENGTH} and <= ${MAX_RANGE_ID_LENGTH} (default ${DEFAULT_RANGE_ID_LENGTH})`;
const CHARSET_EXPECTED =
  `a string of at most ${MAX_RANGE_ID_CHARSET_LENGTH} printable ASCII characters (0x21-0x7E: no space, ` +
  `no control or non-ASCII characters) with at least ${MIN_RANGE_ID_DISTINCT_CHARS} distinct characters ` +
  `(default "${DEFAULT_RANGE_ID_CHARSET}")`;

/** Validated, normalised range_id options. `charSet` has its duplicate characters removed. */
export interface ResolvedRangeIdOptions {
  readonly charSet: string;
  readonly length: number;
}

/**
 * Validates range_id options, throwing {@link RequestIdConfigError} for `rangeId`,
 * `rangeId.length` or `rangeId.charSet`. Duplicate characters in `charSet` are dropped (first
 * occurrence kept), so every distinct character is equally likely.
 */
export function resolveRangeIdOptions(options?: RangeIdOptions): ResolvedRangeIdOptions {
  if (options === undefined || options === null) {
    return { charSet: DEFAULT_RANGE_ID_CHARSET, length: DEFAULT_RANGE_ID_LENGTH };
  }
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new RequestIdConfigError('rangeId', options, 'an object { length?: number, charSet?: string }');
  }

  const length = options.length === undefined ? DEFAULT_RANGE_ID_LENGTH : options.length;
  if (typeof length !== 'number' || !Number.isInteger(length) || length < MIN_RANGE_ID_LENGTH || length > MAX_RANGE_ID_LENGTH) {
    throw new RequestIdConfigError('rangeId.length', length, LENGTH_EXPECTED);
  }

  const raw = options.charSet === undefined ? DEFAULT_RANGE_ID_CHARSET : options.charSet;
  if (typeof raw !== 'string') {
    throw new RequestIdConfigError('rangeId.charSet', raw, CHARSET_EXPECTED);
  }
  if (raw.length > MAX_RANGE_ID_CHARSET_LENGTH) {
    throw new RequestIdConfigError('rangeId.charSet', raw, `${CHARSET_EXPECTED}; it has ${raw.length} characters`);
  }
  let charSet = '';
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code < 0x21 || code > 0x7e) {
      const hex = '0x' + code.toString(16).toUpperCase().padStart(2, '0');
      throw new RequestIdConfigError('rangeId.charSet', raw, `${CHARSET_EXPECTED}; it has character ${hex} at index ${i}`);
    }
    const ch = raw[i];
    if (!charSet.includes(ch)) charSet += ch;
  }
  if (charSet.length < MIN_RANGE_ID_DISTINCT_CHARS) {
    throw new RequestIdConfigError(
      'rangeId.charSet',
      raw,
      `${CHARSET_EXPECTED}; it has ${charSet.length} distinct characters`,
    );
  }
  return { charSet, length };
}

/** Longest ID built with one `String.fromCharCode(...codes)` call (argument count limits). */
const MAX_SPREAD_ARGS = 4096;

function codesToString(codes: number[]): string {
  let out = '';
  for (let i = 0; i < codes.length; i += MAX_SPREAD_ARGS) {
    out += fromCharCode(...codes.slice(i, i + MAX_SPREAD_ARGS));
  }
  return out;
}

/** Builds a range_id generator; throws {@link RequestIdConfigError} for bad options. */
export function createRangeIdGenerator(options?: RangeIdOptions): IdGenerator {
  const { charSet, length } = resolveRangeIdOptions(options);
  const n = charSet.length;
  // Smallest all-ones mask covering indexes 0..n-1 (n <= 94 distinct printable chars, so mask <= 127).
  const mask = (2 << (31 - Math.clz32((n - 1) | 1))) - 1;
  // `table[b]` is the char code for random byte `b`, or 0 when `b & mask` is out of range (rejected).
  const table = new Uint8Array(256);
  for (let b = 0; b < 256; b++) {
    const index = b & mask;
    table[b] = index < n ? charSet.charCodeAt(index) : 0;
  }
  // Reused output buffer of char codes (a packed SMI array, so the spread call takes its fast path).
  const codes: number[] = new Array<number>(length).fill(0);
  const pool = POOL;
  const fcc = fromCharCode;

  return function rangeId(): string {
    let filled = 0;
    // Take exactly as many bytes as characters are still missing: nothing is wasted, and with the
    // default 62-char set one round of 16 bytes suffices (62/64)^16 = 60% of the time.
    do {
      const want = length - filled < POOL_SIZE ? length - filled : POOL_SIZE;
      const start = takeBytes(want);
      const end = start + want;
      for (let i = start; i < end; i++) {
        const code = table[pool[i]];
        if (code !== 0) codes[filled++] = code;
      }
    } while (filled < length);
    return length <= MAX_SPREAD_ARGS ? fcc(...codes) : codesToString(codes);
  };
}
