import { compileConfig } from '../config/compile-config';
import { VENDOR_NAMES } from '../vendors';
import { ALGORITHMS } from '../generators';
import { MAX_RANGE_ID_LENGTH, MIN_RANGE_ID_LENGTH } from '../generators/range-id';
import { warnEnv, warnOnStderr, type Warn } from './env-warning';
import { Guard } from '../diag';
import { RequestIdConfigError } from '../errors';
import type { RequestIdInstrumentationConfig } from '../types';

// Defined next to the line format (env-warning.ts, which needs the type: no cycle), used by every env reader.
export { warnOnStderr, type Warn } from './env-warning';

/** A failed parse may say what it wanted more precisely than the option's `expected`. */
type Parsed = { ok: true; value: unknown } | { ok: false; expected?: string };

interface EnvOption {
  /** The environment variable. */
  env: string;
  /** The config option it sets, as a dotted path (`rangeId.length`). */
  option: string;
  /** A valid value, in words and in env syntax (never code syntax: a variable holds no array or function). */
  expected: string;
  /** A valid value to show, in env syntax. */
  example: string;
  /** What is used when the value is bad, in words. */
  using: string;
  /**
   * For a setting that guards what enters or leaves the process (trust, propagateTo, capture): the
   * closed value a bad one falls back to, never the open default. Absent: the default is used.
   */
  closed?: unknown;
  parse(raw: string): Parsed;
}

const text = (raw: string): Parsed => ({ ok: true, value: raw });
const bool = (raw: string): Parsed => {
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === '1') return { ok: true, value: true };
  if (v === 'false' || v === '0') return { ok: true, value: false };
  return { ok: false };
};
// 15 digits at most: every such number is exact in a double, and every bound here is far below.
const int = (raw: string): Parsed => (/^\s*\d{1,15}\s*$/.test(raw) ? { ok: true, value: Number(raw) } : { ok: false, expected: /^\s*\d+\s*$/.test(raw) ? undefined : 'a whole number' });
const list = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
/** `true`, `false`, or a comma-separated list (an empty list is no valid list). */
const boolOrList = (raw: string): Parsed => {
  const asBool = bool(raw);
  if (asBool.ok) return asBool;
  const items = list(raw);
  return items.length > 0 ? { ok: true, value: items } : { ok: false };
};
const traceResponse = (raw: string): Parsed => {
  const v = raw.trim().toLowerCase();
  if (v === 'traceresponse' || v === 'server-timing' || v === 'both') return { ok: true, value: v };
  return v === 'false' || v === '0' ? { ok: true, value: false } : { ok: false };
};
const pattern = (raw: string): Parsed => {
  try {
    return { ok: true, value: new RegExp(raw) };
  } catch {
    return { ok: false };
  }
};

/** One variable per option, named after it. `rules` and function-valued options need code. */
export const ENV_OPTIONS: readonly EnvOption[] = [
  { env: 'RID_HEADER_NAME', option: 'headerName', expected: 'an HTTP header name', example: 'X-Correlation-Id', using: 'the default (X-Request-Id)', parse: text },
  { env: 'RID_INCLUDE_IN_RESPONSE', option: 'includeInResponse', expected: 'true or false', example: 'false', using: 'the default (true)', parse: bool },
  { env: 'RID_ALGORITHM', option: 'algorithm', expected: `one of ${ALGORITHMS.map((a) => `'${a}'`).join(', ')}`, example: 'nanoid', using: "the default ('uuid')", parse: text },
  { env: 'RID_RANGE_ID_CHAR_SET', option: 'rangeId.charSet', expected: 'at least 6 distinct printable ASCII characters', example: '0123456789abcdef', using: 'the default (the 62 alphanumerics)', parse: text },
  { env: 'RID_RANGE_ID_LENGTH', option: 'rangeId.length', expected: `an integer >= ${MIN_RANGE_ID_LENGTH} and <= ${MAX_RANGE_ID_LENGTH}`, example: '24', using: 'the default (16)', parse: int },
  { env: 'RID_ATTRIBUTE_NAME', option: 'attributeName', expected: 'a span attribute name', example: 'http.request_id', using: 'the default (request.id)', parse: text },
  { env: 'RID_ORIGINAL_ATTRIBUTE_NAME', option: 'originalAttributeName', expected: 'a span attribute name', example: 'request.id.original', using: 'the default (<attributeName>.original)', parse: text },
  // The validation limits guard what enters: a bad one keeps the default's stricter limit.
  { env: 'RID_VALIDATION_MIN_LENGTH', option: 'validation.minLength', expected: 'a whole number from 1 to the maximum length', example: '8', using: 'the default (1)', parse: int },
  { env: 'RID_VALIDATION_MAX_LENGTH', option: 'validation.maxLength', expected: 'a whole number from the minimum length to 16384', example: '128', using: 'the default (200)', parse: int },
  { env: 'RID_VALIDATION_PATTERN', option: 'validation.pattern', expected: 'a JavaScript regular expression', example: "'^[A-Za-z0-9_-]+$'", using: 'the default (^[A-Za-z0-9_@+/=-]+$)', parse: pattern },
  {
    env: 'RID_TRUST_INCOMING',
    option: 'trustIncoming',
    expected: 'true, false, or a comma-separated list of peer addresses and CIDRs',
    example: '10.0.0.0/8,::1',
    using: 'false (no incoming ID is trusted: each request gets a new one)',
    closed: false,
    parse: boolOrList,
  },
  { env: 'RID_IGNORE', option: 'ignore', expected: 'a comma-separated list of paths', example: '/health,/metrics', using: 'none', parse: (raw) => ({ ok: true, value: list(raw) }) },
  {
    env: 'RID_PROPAGATE_TO',
    option: 'propagateTo',
    expected: 'true, false, or a comma-separated list of host names, *.suffix wildcards and host:port (no URLs)',
    example: '*.internal.example.com,billing:8443',
    using: 'false (the ID is sent nowhere)',
    closed: false,
    parse: boolOrList,
  },
  { env: 'RID_CAPTURE_AWS_REQUEST_IDS', option: 'captureAwsRequestIds', expected: 'true or false', example: 'false', using: 'false (no AWS request ID is recorded)', closed: false, parse: bool },
  {
    env: 'RID_CAPTURE_VENDOR_REQUEST_IDS',
    option: 'captureVendorRequestIds',
    expected: `true, false, or a comma-separated list of one of ${VENDOR_NAMES.map((n) => `'${n}'`).join(', ')}`,
    example: 'openai,stripe',
    using: 'false (no vendor request ID is recorded)',
    closed: false,
    parse: boolOrList,
  },
  // Both decide what leaves the process or who chooses trace IDs: a bad value keeps them off.
  {
    env: 'RID_TRACE_ID_FROM_REQUEST_ID',
    option: 'traceIdFromRequestId',
    expected: 'true or false',
    example: 'true',
    using: 'false (incoming IDs never choose the trace ID)',
    closed: false,
    parse: bool,
  },
  {
    env: 'RID_TRACE_RESPONSE',
    option: 'traceResponse',
    expected: "one of 'traceresponse', 'server-timing', 'both', or false",
    example: 'traceresponse',
    using: 'false (no trace context in responses)',
    closed: false,
    parse: traceResponse,
  },
];

/**
 * Reads the `RID_*` variables into a config. A bad value never stops the app: it is reported in
 * one stderr line naming the variable, the value, the valid values, what is used instead and an
 * example. A setting that guards what enters or leaves the process falls back to its closed side
 * (trust nothing, send nowhere, capture nothing); every other one keeps its default.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env, warn: Warn = warnOnStderr): RequestIdInstrumentationConfig {
  const chosen = new Map<EnvOption, unknown>();
  const reject = (entry: EnvOption, raw: string, expected = entry.expected): void => {
    warnEnv(warn, { variable: entry.env, value: raw, expected, using: entry.using, example: entry.example });
    if ('closed' in entry) chosen.set(entry, entry.closed);
    else chosen.delete(entry);
  };
  for (const entry of ENV_OPTIONS) {
    const raw = env[entry.env];
    if (raw === undefined || raw === '') continue;
    const parsed = entry.parse(raw);
    if (parsed.ok) chosen.set(entry, parsed.value);
    else reject(entry, raw, parsed.expected);
  }
  // Let the instrumentation's own checks judge the whole config; replace what they reject, and retry.
  const rejected = new Set<EnvOption>();
  for (let attempt = 0; attempt <= ENV_OPTIONS.length; attempt++) {
    const config = build(chosen);
    try {
      compileConfig(config, new Guard());
      return config;
    } catch (err) {
      if (!(err instanceof RequestIdConfigError)) throw err;
      const set = [...chosen.keys()].filter((e) => !rejected.has(e));
      const culprits = set.filter((e) => related(e.option, err.option));
      // A combination error names an option that was left at its default: blame what was set.
      const blamed = culprits.length > 0 ? culprits : set.filter((e) => e.option.startsWith('validation.') || e.option.startsWith('rangeId.'));
      if (blamed.length === 0) return closedConfig();
      for (const entry of blamed) {
        rejected.add(entry);
        reject(entry, env[entry.env] ?? '');
      }
    }
  }
  return closedConfig();
}

/** When nothing else can be made to work: the defaults, with every guarded setting closed. */
function closedConfig(): RequestIdInstrumentationConfig {
  return build(new Map(ENV_OPTIONS.filter((e) => 'closed' in e).map((e) => [e, e.closed])));
}

function related(envOption: string, errorOption: string): boolean {
  const base = errorOption.replace(/\[\d+\]$/, '');
  return envOption === base || envOption.startsWith(`${base}.`) || base.startsWith(`${envOption}`);
}

function build(chosen: Map<EnvOption, unknown>): RequestIdInstrumentationConfig {
  const config: Record<string, unknown> = {};
  for (const [entry, value] of chosen) {
    const [head, tail] = entry.option.split('.');
    if (tail === undefined) config[head] = value;
    else config[head] = { ...(config[head] as object | undefined), [tail]: value };
  }
  // range_id settings imply the range_id algorithm, as they do in APISIX's schema.
  if (config.rangeId !== undefined && config.algorithm === undefined) config.algorithm = 'range_id';
  return config as RequestIdInstrumentationConfig;
}
