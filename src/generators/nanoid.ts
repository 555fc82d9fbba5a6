import { POOL, takeBytes } from './random-pool';
import { fromCharCode } from './uuid';

/** nanoid's URL-safe alphabet (`A-Za-z0-9_-`, in nanoid's own order). */
export const NANOID_ALPHABET = 'useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict';
/** Length of a nanoid: 21 symbols x 6 bits = 126 random bits. */
const NANOID_LENGTH = 21;

/** `C[b]` is the char code of the alphabet symbol for the low 6 bits of byte `b` (64 divides 256: no bias). */
const C: Uint8Array = Uint8Array.from({ length: 256 }, (_, b) => NANOID_ALPHABET.charCodeAt(b & 63));
const fcc = fromCharCode;
const pool = POOL;

/** A 21-character nanoid (`[A-Za-z0-9_-]{21}`) from 21 pooled random bytes. */
export function nanoid(): string {
  const o = takeBytes(NANOID_LENGTH);
  const p = pool;
  // prettier-ignore
  return fcc(
    C[p[o]], C[p[o + 1]], C[p[o + 2]], C[p[o + 3]], C[p[o + 4]], C[p[o + 5]], C[p[o + 6]],
    C[p[o + 7]], C[p[o + 8]], C[p[o + 9]], C[p[o + 10]], C[p[o + 11]], C[p[o + 12]], C[p[o + 13]],
    C[p[o + 14]], C[p[o + 15]], C[p[o + 16]], C[p[o + 17]], C[p[o + 18]], C[p[o + 19]], C[p[o + 20]],
  );
}
