import { DiagLogLevel } from '@opentelemetry/api';
import type { Warn } from './env-config';
import { warnEnv } from './env-warning';

const LEVELS: Readonly<Record<string, DiagLogLevel>> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

/**
 * `OTEL_LOG_LEVEL`: `undefined` when unset (no diag logger is installed, as NodeSDK does), the
 * level when known (any letter case), else the spec's default, info, with one line.
 */
export function logLevelFromEnv(env: NodeJS.ProcessEnv, warn: Warn): DiagLogLevel | undefined {
  const raw = env.OTEL_LOG_LEVEL;
  const given = raw?.trim().toLowerCase() ?? '';
  if (given === '') return undefined;
  const level = LEVELS[given];
  if (level !== undefined && Object.hasOwn(LEVELS, given)) return level;
  warnEnv(warn, { variable: 'OTEL_LOG_LEVEL', value: raw!, expected: `one of ${Object.keys(LEVELS).join(', ')}`, using: 'the default (info)', example: 'warn' });
  return DiagLogLevel.INFO;
}
