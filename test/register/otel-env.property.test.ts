/**
 * Property test of every OTEL_* variable the zero-code start reads itself (otel-env.ts,
 * tracing-sdk.ts and the readers they use, otlp-endpoint.ts): over random environments, each
 * parsed result is valid and within the spec's ranges, a bad value gives exactly one bounded line
 * naming its variable, and a good one none.
 *
 * FC_SEED=<n> replays a run; FC_RUNS=<n> changes the number of environments.
 */
import * as assert from 'node:assert/strict';
import { DiagLogLevel } from '@opentelemetry/api';
import fc from 'fast-check';
import { ensureBuilt, startApp } from '../support/child-app';
import { get } from '../support/http';
import { startOtlpReceiver } from '../../bench/lib/otlp-receiver';
import { batchOptionsFromEnv, DEFAULT_MAX_EXPORT_BATCH_SIZE, DEFAULT_MAX_QUEUE_SIZE } from '../../src/register/batch-options-env';
import { MAX_TIMER_MS } from '../../src/register/env-integer';
import { logLevelFromEnv } from '../../src/register/log-level-env';
import { EXPORTERS, listFromEnv, PROPAGATORS, protocolFromEnv, PROTOCOLS } from '../../src/register/otel-env';
import { resolveOtlpTracesEndpoint, tcpTarget } from '../../src/register/otlp-endpoint';
import { samplerChoiceFromEnv, SAMPLERS } from '../../src/register/sampler-env';
import { SPAN_LIMIT_VARIABLES, spanLimitsFromEnv } from '../../src/register/span-limits-env';

const RUNS = Number(process.env.FC_RUNS ?? 3000);
const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
// The shared line: the value cut to 100 characters, escaped; the rest is a few fixed phrases.
const MAX_LINE = 700;

const BSP = ['OTEL_BSP_MAX_QUEUE_SIZE', 'OTEL_BSP_SCHEDULE_DELAY', 'OTEL_BSP_EXPORT_TIMEOUT', 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE'];
const NAMED = {
  OTEL_TRACES_SAMPLER: SAMPLERS,
  OTEL_LOG_LEVEL: ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'],
  OTEL_EXPORTER_OTLP_PROTOCOL: PROTOCOLS,
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: PROTOCOLS,
  OTEL_TRACES_EXPORTER: EXPORTERS,
  OTEL_PROPAGATORS: PROPAGATORS,
} as const;
const OTHERS = ['OTEL_TRACES_SAMPLER_ARG', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
const EVERY = [...BSP, ...SPAN_LIMIT_VARIABLES, ...Object.keys(NAMED), ...OTHERS];

// ---------------------------------------------------------------- generators

const padded = (value: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(fc.constantFrom('', ' ', '\t'), value, fc.constantFrom('', ' ', '\n')).map(([a, v, b]) => a + v + b);
const numberish = fc.oneof(
  fc.integer({ min: -10, max: 5000 }).map(String),
  fc.constantFrom('0', '1', '2147483647', '2147483648', '9007199254740991', '9007199254740993', '1e3', '0x10', '1.5', '-0', 'NaN', 'Infinity', '', ' '),
  fc.double({ noNaN: false }).map(String),
  fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String),
);
const named = fc.constantFrom(...new Set(Object.values(NAMED).flat())).chain((n) => fc.constantFrom(n, n.toUpperCase(), `${n},${n}`, `${n},bogus`));
const urlish = fc.oneof(
  fc.constantFrom('http://collector:4318', 'https://c.example/otlp/', 'collector:4317', 'unix:/tmp/otlp.sock', 'ftp://x', 'not a url', 'http://', 'http://[::1]:4318', 'javascript:alert(1)'),
  fc.webUrl(),
);
const anything = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ minLength: 150, maxLength: 5000 }));
const value = padded(fc.oneof(numberish, named, urlish, anything));
const environment = fc.dictionary(fc.constantFrom(...EVERY), value, { maxKeys: EVERY.length });

// ---------------------------------------------------------------- what is valid

const wholeIn = (raw: string | undefined, min: number, max: number): boolean =>
  raw !== undefined && /^\d+$/.test(raw.trim()) && Number(raw.trim()) >= min && Number(raw.trim()) <= max;
const BSP_RANGES: Record<string, [number, number]> = {
  OTEL_BSP_MAX_QUEUE_SIZE: [1, Number.MAX_SAFE_INTEGER],
  OTEL_BSP_SCHEDULE_DELAY: [0, MAX_TIMER_MS],
  OTEL_BSP_EXPORT_TIMEOUT: [1, MAX_TIMER_MS],
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: [1, Number.MAX_SAFE_INTEGER],
};
const blank = (raw: string | undefined): boolean => raw === undefined || raw.trim() === '';
const isWhole = (n: number | undefined, min: number, max: number): boolean => n === undefined || (Number.isInteger(n) && n >= min && n <= max);

describe('OTEL_* variables the zero-code start reads: property test over random environments', function () {
  this.timeout(120000);

  it(`${RUNS} environments: valid results within the spec's ranges; one bounded line per bad value, none for a good one`, () => {
    fc.assert(
      fc.property(environment, (env) => {
        const lines: string[] = [];
        const warn = (line: string): void => void lines.push(line);

        const batch = batchOptionsFromEnv(env, warn);
        for (const [variable, [min, max]] of Object.entries(BSP_RANGES)) {
          const option = { OTEL_BSP_MAX_QUEUE_SIZE: batch.maxQueueSize, OTEL_BSP_SCHEDULE_DELAY: batch.scheduledDelayMillis, OTEL_BSP_EXPORT_TIMEOUT: batch.exportTimeoutMillis, OTEL_BSP_MAX_EXPORT_BATCH_SIZE: batch.maxExportBatchSize }[variable];
          assert.ok(isWhole(option, min, max), `${variable} → ${option}`);
        }
        assert.ok((batch.maxExportBatchSize ?? DEFAULT_MAX_EXPORT_BATCH_SIZE) <= (batch.maxQueueSize ?? DEFAULT_MAX_QUEUE_SIZE), 'batch ≤ queue');

        const limits = spanLimitsFromEnv(env, warn);
        for (const [k, v] of Object.entries(limits)) assert.ok(v === undefined || v === Infinity || isWhole(v, 0, Number.MAX_SAFE_INTEGER), `${k} → ${v}`);

        const sampler = samplerChoiceFromEnv(env, warn);
        assert.ok((SAMPLERS as readonly string[]).includes(sampler.name));
        assert.ok(sampler.ratio >= 0 && sampler.ratio <= 1, `ratio ${sampler.ratio}`);

        const level = logLevelFromEnv(env, warn);
        assert.ok(level === undefined || Object.values(DiagLogLevel).includes(level), `level ${level}`);

        const protocol = protocolFromEnv(env, warn);
        assert.ok(PROTOCOLS.includes(protocol));
        const exporters = listFromEnv(env, 'OTEL_TRACES_EXPORTER', EXPORTERS, 'otlp', warn);
        assert.ok(exporters.length > 0 && exporters.every((e) => EXPORTERS.includes(e)));
        const propagators = listFromEnv(env, 'OTEL_PROPAGATORS', PROPAGATORS, 'tracecontext,baggage,request-id', warn);
        assert.ok(propagators.length > 0 && propagators.every((p) => PROPAGATORS.includes(p)));

        const { endpoint } = resolveOtlpTracesEndpoint(protocol, env, warn);
        if (protocol === 'grpc') assert.ok(endpoint.startsWith('unix:') || tcpTarget(endpoint) !== undefined, endpoint);
        else assert.match(new URL(endpoint).protocol, /^https?:$/);

        // The lines: each one bounded, on one line, in the shared format, for a variable that was set.
        const count = new Map<string, number>();
        for (const line of lines) {
          assert.ok(line.length <= MAX_LINE, `a line of ${line.length} characters`);
          assert.ok(!/[\r\n]/.test(line), 'one line');
          const variable = /^@rid\/otel: ignoring (OTEL_[A-Z_]+)=".*": expected .*; using .*\. Example: \1=\S+$/s.exec(line)?.[1];
          assert.ok(variable !== undefined && !blank(env[variable]), line);
          count.set(variable, (count.get(variable) ?? 0) + 1);
        }
        for (const variable of EVERY) assert.ok((count.get(variable) ?? 0) <= 1, `more than one line for ${variable}: ${lines.join('\n')}`);

        // The whole-number variables: a line exactly when set and not a whole number in range.
        for (const [variable, [min, max]] of Object.entries(BSP_RANGES)) {
          const bad = !blank(env[variable]) && !wholeIn(env[variable], min, max);
          if (variable !== 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE') assert.equal(count.has(variable), bad, `${variable}=${JSON.stringify(env[variable])}`);
          else if (bad) assert.ok(count.has(variable), variable);
        }
        for (const variable of SPAN_LIMIT_VARIABLES) {
          assert.equal(count.has(variable), !blank(env[variable]) && !wholeIn(env[variable], 0, Number.MAX_SAFE_INTEGER), `${variable}=${JSON.stringify(env[variable])}`);
        }
        // The single-name variables: a line exactly when set and not a known name.
        for (const variable of ['OTEL_TRACES_SAMPLER', 'OTEL_LOG_LEVEL', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] as const) {
          const known = (NAMED[variable] as readonly string[]).includes(env[variable]?.trim().toLowerCase() ?? '');
          // The general protocol is read only when the traces one is not usable.
          if (variable === 'OTEL_EXPORTER_OTLP_PROTOCOL' && count.get('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') === undefined && !blank(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL)) continue;
          assert.equal(count.has(variable), !blank(env[variable]) && !known, `${variable}=${JSON.stringify(env[variable])}`);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('a few random environments in child apps under --require register: each starts, serves, prints at most one line per variable, and exits on SIGTERM within 8 s', async function () {
    this.timeout(120000);
    ensureBuilt();
    const receiver = await startOtlpReceiver();
    try {
      // The receiver stays the endpoint: the endpoint and exporter variables are the unit property's.
      const envs = fc.sample(environment, { numRuns: 4, seed: SEED }).map((env) => {
        const kept = Object.entries(env).filter(([k]) => !OTHERS.includes(k) && k !== 'OTEL_TRACES_EXPORTER' && !k.endsWith('_PROTOCOL'));
        return Object.fromEntries(kept.map(([k, v]) => [k, v.replace(/\0/g, '')])) as Record<string, string>;
      });
      for (const env of envs) {
        const app = await startApp(['--require', '@rid/otel/register'], 'cjs-app.js', { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
        try {
          assert.equal((await get(app.url)).status, 200, JSON.stringify(env));
          for (const variable of Object.keys(env)) {
            assert.ok(app.stderr.filter((l) => l.includes(`ignoring ${variable}=`)).length <= 1, `${variable}: ${app.stderr.join('\n')}`);
          }
          const stopping = Date.now();
          await app.stop('SIGTERM');
          assert.ok(Date.now() - stopping < 8000, `exited ${Date.now() - stopping} ms after SIGTERM with ${JSON.stringify(env)}`);
        } finally {
          await app.stop('SIGKILL');
        }
      }
    } finally {
      await receiver.close();
    }
  });
});
