import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { diag, ProxyTracerProvider, trace } from '@opentelemetry/api';
import { configFromEnv, warnOnStderr, type Warn } from './env-config';
import { ExportHealth } from './export-health';
import { RequestIdInstrumentation } from './instrumentation';
import { propagatorFromEnv, spanProcessorsFromEnv } from './otel-env';
import { logRecordProcessorsWithRequestId } from './otel-logs-env';
import { RequestIdPropagator } from './propagator';
import { installShutdownHandlers } from './shutdown';
import { RequestIdSpanProcessor } from './span-processor';

export interface StartedTelemetry {
  /** How it started: a new NodeSDK, added to an SDK already registered, or nothing (`OTEL_SDK_DISABLED`). */
  readonly mode: 'sdk' | 'added-to-existing-sdk' | 'disabled';
  /** The RequestIdInstrumentation in use, unless disabled. */
  readonly instrumentation?: RequestIdInstrumentation;
  /** Flushes and stops what was started. Safe to call more than once. */
  shutdown(): Promise<void>;
}

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5000;

/**
 * What `@rid/otel/register` runs: a NodeSDK with HttpInstrumentation, UndiciInstrumentation and
 * RequestIdInstrumentation, RequestIdSpanProcessor, the propagators of `OTEL_PROPAGATORS`
 * (default tracecontext, baggage and request-id) and the exporter of `OTEL_TRACES_EXPORTER`
 * (default OTLP http/protobuf to http://localhost:4318), all configured by environment.
 */
export function startFromEnv(env: NodeJS.ProcessEnv = process.env, warn: Warn = warnOnStderr): StartedTelemetry {
  if (isTrue(env.OTEL_SDK_DISABLED)) {
    return { mode: 'disabled', shutdown: () => Promise.resolve() };
  }
  registerEsmLoaderHook();
  const config = configFromEnv(env, warn);
  const timeoutMs = shutdownTimeoutFromEnv(env, warn);

  if (sdkAlreadyRegistered()) {
    // Never a second SDK: the app's own stays in charge; only what it lacks is added.
    const instrumentation = new RequestIdInstrumentation(config);
    diag.info(
      '@rid/otel/register: an OpenTelemetry SDK is already registered, so only RequestIdInstrumentation was added ' +
        '(request IDs, downstream propagation, AWS IDs). To stamp every span and carry the ID over non-HTTP transports, ' +
        'add RequestIdSpanProcessor and RequestIdPropagator to that SDK, or build its config with withRequestId().',
    );
    return { mode: 'added-to-existing-sdk', instrumentation, shutdown: () => Promise.resolve(instrumentation.disable()) };
  }

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');

  const instrumentation = new RequestIdInstrumentation(config);
  // Spans that go nowhere are said once on stderr, unless every OTel message is silenced.
  const tell = env.OTEL_LOG_LEVEL?.trim().toLowerCase() === 'none' ? undefined : warn;
  const healths: ExportHealth[] = [];
  const exporters = spanProcessorsFromEnv(env, warn, (exporter, endpoint) => {
    const health = new ExportHealth(endpoint, tell);
    healths.push(health);
    return health.watch(exporter);
  });
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ? undefined : appPackageName(),
    spanProcessors: exporters.length === 0 ? [] : [new RequestIdSpanProcessor({ attributeName: config.attributeName }) as never, ...exporters],
    textMapPropagator: propagatorFromEnv(new RequestIdPropagator({ headerName: config.headerName, validation: config.validation }), env, warn),
    // Traces only, unless asked: NodeSDK would otherwise also push OTLP metrics and logs to the
    // same endpoint, which Jaeger does not accept.
    metricReaders: env.OTEL_METRICS_EXPORTER ? undefined : [],
    logRecordProcessors: env.OTEL_LOGS_EXPORTER ? logRecordProcessorsWithRequestId(config.attributeName) : [],
    instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation(), instrumentation],
  });
  sdk.start();

  const provider = trace.getTracerProvider() as ProxyTracerProvider;
  const delegate = provider.getDelegate() as { forceFlush?: () => Promise<void> };
  const { shutdown } = installShutdownHandlers({
    flush: () => delegate.forceFlush?.() ?? Promise.resolve(),
    shutdown: () => sdk.shutdown(),
    undeliverable: healths.length === 0 ? undefined : async (ms) => (await Promise.all(healths.map((h) => h.undeliverable(ms)))).every(Boolean),
    timeoutMs,
  });
  return { mode: 'sdk', instrumentation, shutdown };
}

/** A registered SDK replaces the API's no-op tracer provider behind the global proxy. */
function sdkAlreadyRegistered(): boolean {
  const global = trace.getTracerProvider();
  const noop = new ProxyTracerProvider().getDelegate();
  return !(global instanceof ProxyTracerProvider) || global.getDelegate() !== noop;
}

/**
 * ESM apps import `node:http` without `require`, so HttpInstrumentation needs the
 * import-in-the-middle loader hook to see it (OTel's documented ESM set-up). CommonJS apps do
 * not, and are spared the hook's cost and its start-up warnings.
 */
function registerEsmLoaderHook(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { register } = require('node:module') as { register?: (specifier: string, parent: string) => void };
  if (typeof register !== 'function' || !mainIsEsm()) return;
  try {
    register('@opentelemetry/instrumentation/hook.mjs', pathToFileURL(__filename).href);
  } catch (err) {
    diag.warn('@rid/otel/register: could not register the ESM loader hook; ESM imports of http will have no HttpInstrumentation spans', err);
  }
}

function mainIsEsm(): boolean {
  const main = process.argv[1];
  if (!main) return false;
  if (/\.m[jt]s$/.test(main)) return true;
  if (/\.c[jt]s$/.test(main)) return false;
  return nearestPackageJson(dirname(main))?.type === 'module';
}

/** The service name defaults to the app's package.json name, as most users expect to see it in Jaeger. */
function appPackageName(): string | undefined {
  const name = nearestPackageJson(process.argv[1] ? dirname(process.argv[1]) : process.cwd(), true)?.name;
  return typeof name === 'string' ? name : undefined;
}

/** The closest package.json at or above `dir` (with `named`, the closest one that has a name). */
function nearestPackageJson(dir: string, named = false): { name?: unknown; type?: unknown } | undefined {
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (!named || (typeof pkg.name === 'string' && pkg.name !== '')) return pkg;
    } catch {
      // no readable package.json here: keep climbing
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function shutdownTimeoutFromEnv(env: NodeJS.ProcessEnv, warn: Warn): number {
  const raw = env.RID_SHUTDOWN_TIMEOUT_MS;
  if (raw === undefined || raw === '') return DEFAULT_SHUTDOWN_TIMEOUT_MS;
  if (/^\s*\d+\s*$/.test(raw)) return Number(raw);
  warn(`@rid/otel: ignoring RID_SHUTDOWN_TIMEOUT_MS=${JSON.stringify(raw)}: expected a whole number of milliseconds; using the default (${DEFAULT_SHUTDOWN_TIMEOUT_MS})`);
  return DEFAULT_SHUTDOWN_TIMEOUT_MS;
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['true', '1'].includes(value.trim().toLowerCase());
}
