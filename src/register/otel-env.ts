/**
 * The standard OTEL_* variables that the zero-code start reads itself (here and in
 * tracing-sdk.ts), and why. The SDK reads the rest: the OTLP exporters their endpoint, headers,
 * timeout and compression variables,
 * the resource its detectors and `OTEL_SERVICE_NAME`/`OTEL_RESOURCE_ATTRIBUTES`, NodeSDK (when
 * metrics or logs are asked for) its own metrics and logs variables. What is read here, and why:
 * - `OTEL_TRACES_EXPORTER` and the OTLP protocol: register's traces-only start (tracing-sdk.ts)
 *   builds its processors without NodeSDK, which is what reads them, to keep start-up short;
 * - `OTEL_PROPAGATORS`: the default list gains `request-id`, a name the SDK does not know;
 * - `OTEL_BSP_*`: `@opentelemetry/sdk-trace`'s BatchSpanProcessor reads no environment;
 * - in tracing-sdk.ts, `OTEL_LOG_LEVEL`, the sampler and the span limits: sdk-node exports no reader
 *   for them.
 * Each is checked as the spec asks of SDKs: a value out of range or unparsable is the spec's
 * default, said in one line (env-warning.ts); the app always starts.
 */
import type { TextMapPropagator } from '@opentelemetry/api';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { dirname } from 'node:path';
import { appDir } from '../app-package';
import { ReadableConsoleExporter } from './console-exporter';
import { batchOptionsFromEnv } from './batch-options-env';
import { DeferredExporter, MakeExporterOnFirstSpan } from './deferred-exporter';
import { envSnapshot, withEnvAsIn } from './env-snapshot';
import { warnEnv } from './env-warning';
import { resolveOtlpTracesEndpoint, type OtlpProtocol } from './otlp-endpoint';
import { RequestIdPropagator } from '../propagator';
import { warnOnStderr, type Warn } from './env-config';

export const EXPORTERS = ['otlp', 'console', 'none'] as const;
export const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json', 'grpc'];
export const PROPAGATORS = ['tracecontext', 'baggage', 'request-id', 'b3', 'b3multi', 'jaeger', 'none'] as const;

/** Lets the caller stand between the OTLP exporter and its span processor; `endpoint` is where it sends. */
export type WatchExporter = (exporter: SpanExporter, endpoint: string) => SpanExporter;

/**
 * Span processors from the standard variables: `OTEL_TRACES_EXPORTER` (`otlp`, the default;
 * `console`; `none`) and `OTEL_EXPORTER_OTLP[_TRACES]_PROTOCOL` (`http/protobuf`, the default;
 * `http/json`; `grpc`). The OTLP exporters read their endpoint, headers and timeout variables
 * themselves; the default endpoint is `http://localhost:4318`, Jaeger's OTLP/HTTP port.
 */
export function spanProcessorsFromEnv(env: NodeJS.ProcessEnv = process.env, warn: Warn = warnOnStderr, watch?: WatchExporter): SpanProcessor[] {
  // @opentelemetry/sdk-trace is the tracing SDK of both lines (2.x from 2.9, and 3.x, where
  // sdk-trace-base no longer exists); on both its processors take `{ exporter }`.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { BatchSpanProcessor, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
  const names = listFromEnv(env, 'OTEL_TRACES_EXPORTER', EXPORTERS, 'otlp', warn);
  if (names.includes('none')) return [];
  const processors: SpanProcessor[] = [];
  for (const name of new Set(names)) {
    if (name === 'console') processors.push(new SimpleSpanProcessor({ exporter: new ReadableConsoleExporter() }));
    else {
      const { exporter, endpoint } = otlpExporterFromEnv(env, warn);
      const batch = new BatchSpanProcessor({ exporter: watch ? watch(exporter, endpoint) : exporter, ...batchOptionsFromEnv(env, warn) });
      processors.push(new MakeExporterOnFirstSpan(batch, exporter));
    }
  }
  return processors;
}

const OTLP_EXPORTERS: Record<OtlpProtocol, string> = {
  'http/protobuf': '@opentelemetry/exporter-trace-otlp-proto',
  'http/json': '@opentelemetry/exporter-trace-otlp-http',
  grpc: '@opentelemetry/exporter-trace-otlp-grpc',
};

/**
 * The OTLP exporter of the protocol, made after the first span or at the first export (deferred-exporter.ts) from the
 * `OTEL_*` variables as they are now: it reads its endpoint, headers and timeout from
 * `process.env` itself. A missing exporter package still fails the start, as loading it did.
 */
function otlpExporterFromEnv(env: NodeJS.ProcessEnv, warn: Warn): { exporter: DeferredExporter; endpoint: string } {
  const protocol = protocolFromEnv(env, warn);
  const { endpoint, rejected } = resolveOtlpTracesEndpoint(protocol, env, warn);
  // Told the endpoint only when we rejected a variable's: the exporter would read that one itself.
  const config = rejected ? { url: endpoint } : undefined;
  const exporterPath = require.resolve(OTLP_EXPORTERS[protocol]);
  const atStart = envSnapshot('OTEL_');
  const make = (): SpanExporter =>
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    withEnvAsIn(atStart, 'OTEL_', () => new (require(exporterPath) as { OTLPTraceExporter: new (config?: object) => SpanExporter }).OTLPTraceExporter(config));
  return { exporter: new DeferredExporter(make), endpoint };
}

/**
 * `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`, else http/protobuf
 * (the spec's default). A bad traces-specific value falls to the general one.
 */
export function protocolFromEnv(env: NodeJS.ProcessEnv, warn: Warn): OtlpProtocol {
  const known = (value: string): value is OtlpProtocol => (PROTOCOLS as readonly string[]).includes(value);
  const read = (variable: string, fallback: string): OtlpProtocol | undefined => {
    const raw = env[variable];
    const value = raw?.trim().toLowerCase() ?? '';
    if (value === '') return undefined;
    if (known(value)) return value;
    warnEnv(warn, { variable, value: raw!, expected: `one of ${PROTOCOLS.join(', ')}`, using: fallback, example: 'http/protobuf' });
    return undefined;
  };
  const general = (): OtlpProtocol | undefined => read('OTEL_EXPORTER_OTLP_PROTOCOL', 'http/protobuf (the default)');
  const specific = read('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', nonBlank(env.OTEL_EXPORTER_OTLP_PROTOCOL) ? 'OTEL_EXPORTER_OTLP_PROTOCOL' : 'http/protobuf (the default)');
  return specific ?? general() ?? 'http/protobuf';
}

function nonBlank(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

/**
 * The global propagator from `OTEL_PROPAGATORS` (default `tracecontext,baggage,request-id`).
 * `request-id` is RequestIdPropagator; `none` sets none. Unknown names are reported and skipped.
 */
export function propagatorFromEnv(
  requestId: RequestIdPropagator,
  env: NodeJS.ProcessEnv = process.env,
  warn: Warn = warnOnStderr,
  alwaysIncludeRequestId = false,
): TextMapPropagator | null {
  const names = listFromEnv(env, 'OTEL_PROPAGATORS', PROPAGATORS, 'tracecontext,baggage,request-id', warn);
  if (names.includes('none')) return alwaysIncludeRequestId ? requestId : null;
  if (alwaysIncludeRequestId && !names.includes('request-id')) names.push('request-id');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const core = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
  const propagators: TextMapPropagator[] = [];
  for (const name of new Set(names)) {
    if (name === 'tracecontext') propagators.push(new core.W3CTraceContextPropagator());
    else if (name === 'baggage') propagators.push(new core.W3CBaggagePropagator());
    else if (name === 'request-id') propagators.push(requestId);
    else {
      const propagator = fromSdkNodeDependency(name, warn);
      if (propagator !== undefined) propagators.push(propagator);
    }
  }
  return new core.CompositePropagator({ propagators });
}

/**
 * b3 and jaeger come with sdk-node; resolve them from there rather than depend on them twice, and
 * else from the app (sdk-node is an optional peer: an app without it may have the propagator).
 * Not every SDK line ships them (the 3.x sdk-node has no jaeger propagator): a missing one is
 * reported and skipped, never a crash at start-up.
 */
function fromSdkNodeDependency(name: string, warn: Warn): TextMapPropagator | undefined {
  const pkg = name === 'jaeger' ? '@opentelemetry/propagator-jaeger' : '@opentelemetry/propagator-b3';
  try {
    const paths = [...sdkNodeDir(), appDir()];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(require.resolve(pkg, { paths }));
    if (name === 'jaeger') return new mod.JaegerPropagator();
    return new mod.B3Propagator(name === 'b3multi' ? { injectEncoding: mod.B3InjectEncoding.MULTI_HEADER } : {});
  } catch {
    warn(`@rid/otel: skipping ${name} in OTEL_PROPAGATORS: ${pkg} is not installed with this SDK (install it to use it)`);
    return undefined;
  }
}

function sdkNodeDir(): string[] {
  try {
    return [dirname(require.resolve('@opentelemetry/sdk-node'))];
  } catch {
    return [];
  }
}

/**
 * A comma-separated list of known names: the unknown ones are left out, and one line says which;
 * a list with no known name is the default.
 */
export function listFromEnv<T extends string>(env: NodeJS.ProcessEnv, variable: string, valid: readonly T[], fallback: string, warn: Warn): T[] {
  const raw = env[variable];
  const given = raw?.trim() ?? '';
  const names = (given !== '' ? given : fallback)
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  const isKnown = (n: string): n is T => (valid as readonly string[]).includes(n);
  const known = names.filter(isKnown);
  const unknown = names.filter((n) => !isKnown(n));
  if (given !== '' && (unknown.length > 0 || known.length === 0)) {
    // Only known names in the line: the unknown ones are in the (cut) value already.
    const using = known.length > 0 ? `${[...new Set(known)].join(',')} (the known names)` : `the default (${fallback})`;
    warnEnv(warn, { variable, value: raw!, expected: `${valid.join(', ')}, comma-separated`, using, example: fallback });
  }
  return known.length > 0 ? known : (fallback.split(',') as T[]);
}
