import { RequestIdConfigError } from '../errors';
import { statelessRegExp } from '../regexp';
import type { IncomingValidation } from '../types';

/**
 * Defaults from the peers in the anchors note: Heroku's router keeps IDs of `[A-Za-z0-9+/=-]`
 * up to 200 characters, Rails keeps `[A-Za-z0-9_@-]`; Hono's `[\w-]` is a subset of the union.
 * The minimum is 1, not Heroku's 20, which rejects short but legitimate IDs (plug#799).
 */
export const DEFAULT_VALIDATION: Readonly<Required<IncomingValidation>> = Object.freeze({
  minLength: 1,
  maxLength: 200,
  pattern: /^[A-Za-z0-9_@+/=-]+$/,
});

/** The defaults as the server hook applies them. */
export const DEFAULT_POLICY: ValidationPolicy = Object.freeze({ ...DEFAULT_VALIDATION, patternIsHeaderSafe: true });

/** Longest value kept in the `.original` attribute. */
export const ORIGINAL_MAX_LENGTH = 256;

export interface ValidationPolicy {
  readonly minLength: number;
  readonly maxLength: number;
  readonly pattern: RegExp;
  /** True when `pattern` alone already rules out header-unsafe characters (the default does). */
  readonly patternIsHeaderSafe: boolean;
}

export function compileValidation(value: IncomingValidation | undefined): ValidationPolicy {
  if (value === undefined) return DEFAULT_POLICY;
  if (value === null || typeof value !== 'object') {
    throw new RequestIdConfigError('validation', value, 'an object { minLength?, maxLength?, pattern? }');
  }
  const minLength = value.minLength ?? DEFAULT_VALIDATION.minLength;
  const maxLength = value.maxLength ?? DEFAULT_VALIDATION.maxLength;
  if (!Number.isInteger(minLength) || minLength < 1) {
    throw new RequestIdConfigError('validation.minLength', value.minLength, 'an integer >= 1');
  }
  // Node answers 431 past 16 KB of headers, so a longer ID could never arrive anyway.
  if (!Number.isInteger(maxLength) || maxLength < minLength || maxLength > 16384) {
    throw new RequestIdConfigError('validation.maxLength', value.maxLength, `an integer from validation.minLength (${minLength}) to 16384`);
  }
  let pattern = value.pattern ?? DEFAULT_VALIDATION.pattern;
  if (!(pattern instanceof RegExp)) {
    throw new RequestIdConfigError('validation.pattern', value.pattern, 'a RegExp such as /^[A-Za-z0-9_-]+$/');
  }
  pattern = statelessRegExp(pattern);
  return { minLength, maxLength, pattern, patternIsHeaderSafe: pattern === DEFAULT_VALIDATION.pattern };
}

/**
 * Whether an ID may be reused and echoed. Header-unsafe characters (CR, LF, anything past
 * 0x7E) are refused whatever the pattern says: echoing them would make `setHeader` throw.
 */
export function isAcceptable(value: string, policy: ValidationPolicy): boolean {
  return (
    value.length >= policy.minLength &&
    value.length <= policy.maxLength &&
    policy.pattern.test(value) &&
    (policy.patternIsHeaderSafe || HEADER_SAFE.test(value))
  );
}

const HEADER_SAFE = /^[\x20-\x7e]+$/;

/**
 * A rejected value, made safe to store and show: printable ASCII stays, everything else becomes
 * a `\xHH` or `\uHHHH` escape, and the result is cut to ORIGINAL_MAX_LENGTH characters.
 */
export function makeSafe(value: string): string {
  let out = '';
  for (let i = 0; i < value.length && out.length < ORIGINAL_MAX_LENGTH; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0x20 && code <= 0x7e && code !== 0x5c /* \ */) out += value[i];
    else if (code === 0x5c) out += '\\\\';
    else if (code <= 0xff) out += '\\x' + code.toString(16).padStart(2, '0');
    else out += '\\u' + code.toString(16).padStart(4, '0');
  }
  return out.length > ORIGINAL_MAX_LENGTH ? out.slice(0, ORIGINAL_MAX_LENGTH) : out;
}
