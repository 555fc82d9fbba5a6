import { compileConfig } from '../config/compile-config';
import { Guard } from '../diag';
import { RequestIdConfigError } from '../config/errors';
import type { RequestIdInstrumentationConfig } from '../types';

/** Writes one line on stderr: what was wrong, and what is used instead. */
export type Warn = (line: string) => void;
export const warnOnStderr: Warn = (line) => process.stderr.write(`${line}\n`);

type Parsed = { ok: true; value: unknown } | { ok: false; expected: string };

interface EnvOption {
  /** The environment variable. */
  env: string;
  /** The config option it sets, as a dotted path (`rangeId.length`). */
  option: string;
  /** What is used when the variable is absent or bad. */
  fallback: string;
  parse(raw: string): Parsed;
}

const text = (raw: string): Parsed => ({ ok: true, value: raw });
const bool = (raw: string): Parsed => {
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === '1') return { ok: true, value: true };
  if (v === 'false' || v === '0') return { ok: true, value: false };
  return { ok: false, expected: 'true or false' };
};
const int = (raw: string): Parsed =>
  /^\s*\d+\s*$/.test(raw) ? { ok: true, value: Number(raw) } : { ok: false, expected: 'a whole number' };
const list = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
const boolOrList = (raw: string): Parsed => {
  const asBool = bool(raw);
  return asBool.ok ? asBool : { ok: true, value: list(raw) };
};
const pattern = (raw: string): Parsed => {
  try {
    return { ok: true, value: new RegExp(raw) };
  } catch {
    return { ok: false, expected: 'a JavaScript regular expression such as ^[A-Za-z0-9_-]+$' };
  }
};

/** One variable per option, named after it. `rules` and function-valued options need code. */
export const ENV_OPTIONS: readonly EnvOption[] = [
  { env: 'RID_HEADER_NAME', option: 'headerName', fallback: "'X-Request-Id'", parse: text },
  { env: 'RID_INCLUDE_IN_RESPONSE', option: 'includeInResponse', fallback: 'true', parse: bool },
  { env: 'RID_ALGORITHM', option: 'algorithm', fallback: "'uuid'", parse: text },
  { env: 'RID_RANGE_ID_CHAR_SET', option: 'rangeId.charSet', fallback: 'the 62 alphanumerics', parse: text },
  { env: 'RID_RANGE_ID_LENGTH', option: 'rangeId.length', fallback: '16', parse: int },
  { env: 'RID_ATTRIBUTE_NAME', option: 'attributeName', fallback: "'request.id'", parse: text },
  { env: 'RID_ORIGINAL_ATTRIBUTE_NAME', option: 'originalAttributeName', fallback: "'<attributeName>.original'", parse: text },
  { env: 'RID_VALIDATION_MIN_LENGTH', option: 'validation.minLength', fallback: '1', parse: int },
  { env: 'RID_VALIDATION_MAX_LENGTH', option: 'validation.maxLength', fallback: '200', parse: int },
  { env: 'RID_VALIDATION_PATTERN', option: 'validation.pattern', fallback: '^[A-Za-z0-9_@+/=-]+$', parse: pattern },
  { env: 'RID_TRUST_INCOMING', option: 'trustIncoming', fallback: 'true', parse: boolOrList },
  { env: 'RID_IGNORE', option: 'ignore', fallback: 'none', parse: (raw) => ({ ok: true, value: list(raw) }) },
  { env: 'RID_PROPAGATE_TO', option: 'propagateTo', fallback: 'true', parse: boolOrList },
  { env: 'RID_CAPTURE_AWS_REQUEST_IDS', option: 'captureAwsRequestIds', fallback: 'true', parse: bool },
  { env: 'RID_CAPTURE_VENDOR_REQUEST_IDS', option: 'captureVendorRequestIds', fallback: 'true', parse: boolOrList },
];

/**
 * Reads the `RID_*` variables into a config. A bad value never stops the app: it is reported in
 * one stderr line naming the variable, the value and the valid values, and that setting keeps its
 * default.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env, warn: Warn = warnOnStderr): RequestIdInstrumentationConfig {
  const chosen = new Map<EnvOption, unknown>();
  for (const entry of ENV_OPTIONS) {
    const raw = env[entry.env];
    if (raw === undefined || raw === '') continue;
    const parsed = entry.parse(raw);
    if (parsed.ok) chosen.set(entry, parsed.value);
    else warn(badValue(entry, raw, parsed.expected));
  }
  // Let the instrumentation's own checks judge the whole config; drop what they reject, and retry.
  for (let attempt = 0; attempt <= ENV_OPTIONS.length; attempt++) {
    const config = build(chosen);
    try {
      compileConfig(config, new Guard());
      return config;
    } catch (err) {
      if (!(err instanceof RequestIdConfigError)) throw err;
      const culprits = [...chosen.keys()].filter((e) => related(e.option, err.option));
      // A combination error names an option that was left at its default: blame what was set.
      const blamed = culprits.length > 0 ? culprits : [...chosen.keys()].filter((e) => e.option.startsWith('validation.') || e.option.startsWith('rangeId.'));
      if (blamed.length === 0) return {};
      for (const entry of blamed) {
        warn(badValue(entry, env[entry.env] ?? '', `${err.expected} (for \`${err.option}\`)`));
        chosen.delete(entry);
      }
    }
  }
  return {};
}

function related(envOption: string, errorOption: string): boolean {
  return envOption === errorOption || envOption.startsWith(`${errorOption}.`) || errorOption.startsWith(`${envOption}`);
}

function badValue(entry: EnvOption, raw: string, expected: string): string {
  const shown = raw.length > 60 ? `${raw.slice(0, 60)}…` : raw;
  return `@rid/otel: ignoring ${entry.env}=${JSON.stringify(shown)}: expected ${expected}; using the default (${entry.fallback})`;
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
