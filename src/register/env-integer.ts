import type { Warn } from './env-config';
import { warnEnv } from './env-warning';

/** One whole-number OTEL_* variable: its valid range and the spec's default. */
export interface IntegerVariable {
  readonly variable: string;
  readonly min: number;
  readonly max: number;
  /** The spec's default; `Infinity` for "no limit". */
  readonly fallback: number;
  /** The default in words, for the warning line: `512`, `no limit`. */
  readonly fallbackText: string;
  readonly example: string;
}

// setTimeout's largest delay (2^31 - 1 ms): a longer one fires after 1 ms, an export storm.
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * The variable's value when it is a whole number within range; `undefined` when it is unset or
 * blank (the SDK's own default applies); the spec's default, with one line, when it is anything else.
 */
export function integerFromEnv(env: NodeJS.ProcessEnv, spec: IntegerVariable, warn: Warn): number | undefined {
  const raw = env[spec.variable];
  const trimmed = raw?.trim();
  if (raw === undefined || trimmed === '') return undefined;
  const value = /^\d{1,16}$/.test(trimmed!) ? Number(trimmed) : NaN;
  if (value >= spec.min && value <= spec.max) return value;
  const expected = spec.max === Number.MAX_SAFE_INTEGER ? `a whole number, at least ${spec.min}` : `a whole number from ${spec.min} to ${spec.max}`;
  warnEnv(warn, { variable: spec.variable, value: raw, expected, using: `the default (${spec.fallbackText})`, example: spec.example });
  return spec.fallback;
}
