import { randomFillSync } from 'crypto';

/**
 * One process-wide pool of CSPRNG bytes shared by every ID format.
 *
 * `crypto.randomFillSync` has a fixed per-call cost (a trip into OpenSSL) that dwarfs the cost of
 * producing 16 bytes, so we fill a larger buffer once and hand out slices of it. Every byte is
 * handed out exactly once: a caller reserves `n` bytes with {@link takeBytes}, reads
 * `POOL[offset .. offset + n)` synchronously, and never looks at them again. When fewer than `n`
 * bytes are left, the unread tail is discarded and the whole pool is refilled.
 *
 * No `Math.random` anywhere: every random bit of every ID comes from here.
 */

/** Size of the pool in bytes (16 KiB: ~1000 UUIDs per refill). */
export const POOL_SIZE = 16 * 1024;

/** The pooled bytes. Refilled in place, never reassigned, so callers may cache the reference. */
export const POOL: Uint8Array = new Uint8Array(POOL_SIZE);

let offset = POOL_SIZE;

/**
 * Reserves `n` fresh random bytes (1 <= n <= POOL_SIZE) and returns the index of the first one in
 * {@link POOL}. The bytes must be read before the next call into this module.
 */
export function takeBytes(n: number): number {
  const start = offset;
  if (start + n > POOL_SIZE) {
    randomFillSync(POOL);
    offset = n;
    return 0;
  }
  offset = start + n;
  return start;
}
