import { pathToFileURL } from 'node:url';
import { diag, ProxyTracerProvider, trace } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { appDir, appPackageName, isEsmFile } from '../app-package';
import { configFromEnv, warnOnStderr, type Warn } from './env-config';
import { ExportHealth } from './export-health';
import { autoInstrumentationsRegisterLoaded } from '../internals/auto-instrumentations-register';
import { lambdaHandlerFile } from '../incoming/lambda-handler-file';
import { RequestIdInstrumentation } from '../instrumentation';
import { propagatorFromEnv, spanProcessorsFromEnv } from './otel-env';
import { logRecordProcessorsWithRequestId } from './otel-logs-env';
import { loadOptional } from './optional-module';
import { RequestIdPropagator } from '../propagator';
import { installShutdownHandlers } from './shutdown';
import { preloadLambdaHandler } from './lambda-preload';
import { warnEnv } from './env-warning';
import { RequestIdSpanProcessor } from '../span-processor';
import { RequestIdTraceIdGenerator } from '../trace-id-generator';
import { nodeSdkVariablesSet, samplingFromEnv, startTracingSdk, tracesOnly, type StartedSdk, type TracingSdkOptions } from './tracing-sdk';

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
 * What `@rid/otel/register` runs: an SDK (the traces-only assembly of tracing-sdk.ts, or NodeSDK
 * when metrics or logs are asked for) with HttpInstrumentation and UndiciInstrumentation (or
 * every auto-instrumentation, when the app has them installed) and RequestIdInstrumentation,
 * RequestIdSpanProcessor, the propagators of `OTEL_PROPAGATORS`
 * (default tracecontext, baggage and request-id) and the exporter of `OTEL_TRACES_EXPORTER`
 * (default OTLP http/protobuf to http://localhost:4318), all configured by environment.
 */
export function startFromEnv(env: NodeJS.ProcessEnv = process.env, warn: Warn = warnOnStderr): StartedTelemetry {
  if (isTrue(env.OTEL_SDK_DISABLED)) {
    return { mode: 'disabled', shutdown: () => Promise.resolve() };
  }
  registerEsmLoaderHook(env);
  const config = configFromEnv(env, warn);
  const timeoutMs = shutdownTimeoutFromEnv(env, warn);

  if (sdkAlreadyRegistered()) {
    // Never a second SDK: the app's own stays in charge; only what it lacks is added.
    const instrumentation = new RequestIdInstrumentation(config);
    if (autoInstrumentationsRegisterLoaded(appDir())) {
      warn(
        '@rid/otel/register: @opentelemetry/auto-instrumentations-node/register started the SDK first, so only request IDs on SERVER spans, ' +
          'downstream propagation and AWS IDs were added: the spans of express, databases and the other instrumentations lack request.id, ' +
          'and the ID does not travel over gRPC, Kafka or SQS. Start with --require @rid/otel/register alone: it runs the same auto-instrumentations, with request IDs on every span.',
      );
    } else {
      diag.info(
        '@rid/otel/register: an OpenTelemetry SDK is already registered, so only RequestIdInstrumentation was added ' +
          '(request IDs, downstream propagation, AWS IDs). To stamp every span and carry the ID over non-HTTP transports, ' +
          'add RequestIdSpanProcessor and RequestIdPropagator to that SDK, or build its config with withRequestId().',
      );
    }
    preloadLambdaHandler(env);
    return { mode: 'added-to-existing-sdk', instrumentation, shutdown: () => Promise.resolve(instrumentation.disable()) };
  }

  // Before any InstrumentationBase exists: the first one hooks `require` (require-in-the-middle),
  // whose cache would then keep the unpatched `http` that loading auto-instrumentations-node's 40
  // packages requires, and HttpInstrumentation would never patch it.
  const others = autoInstrumentations() ?? httpAndFetchInstrumentations(env, warn);
  const instrumentation = new RequestIdInstrumentation(config);
  // Spans that go nowhere are said once on stderr, unless every OTel message is silenced.
  const tell = env.OTEL_LOG_LEVEL?.trim().toLowerCase() === 'none' ? undefined : warn;
  const healths: ExportHealth[] = [];
  const exporters = spanProcessorsFromEnv(env, warn, (exporter, endpoint) => {
    const health = new ExportHealth(endpoint, tell);
    healths.push(health);
    return health.watch(exporter);
  });
  const options: TracingSdkOptions = {
    serviceName: env.OTEL_SERVICE_NAME ? undefined : appPackageName(),
    spanProcessors: exporters.length === 0 ? [] : [new RequestIdSpanProcessor({ attributeName: config.attributeName }), ...exporters],
    textMapPropagator: propagatorFromEnv(new RequestIdPropagator({ headerName: config.headerName, validation: config.validation }), env, warn),
    instrumentations: [...others, instrumentation],
  };
  const sdk = (!tracesOnly(env) && startNodeSdk(options, env, config.attributeName, warn)) || startTracingSdk(options, env, warn);

  const { shutdown } = installShutdownHandlers({
    flush: () => sdk.forceFlush(),
    shutdown: () => sdk.shutdown(),
    undeliverable: healths.length === 0 ? undefined : async (ms) => (await Promise.all(healths.map((h) => h.undeliverable(ms)))).every(Boolean),
    timeoutMs,
  });
  preloadLambdaHandler(env);
  return { mode: 'sdk', instrumentation, shutdown };
}

/**
 * NodeSDK, for what the traces-only assembly does not do: metrics, logs, resource detectors by
 * variable. `@opentelemetry/sdk-node` is an optional peer: without it in the app, one stderr line
 * says what to install, and traces go on without NodeSDK (undefined here).
 */
function startNodeSdk(options: TracingSdkOptions, env: NodeJS.ProcessEnv, attributeName: string | undefined, warn: Warn): StartedSdk | undefined {
  const sdkNode = loadOptional<typeof import('@opentelemetry/sdk-node')>('@opentelemetry/sdk-node');
  if (sdkNode === undefined) {
    const asked = nodeSdkVariablesSet(env).map((v) => `${v}=${JSON.stringify(env[v]!.slice(0, 100))}`).join(', ');
    warn(`@rid/otel: ${asked} needs @opentelemetry/sdk-node, which this app does not have; exporting traces only (npm install @opentelemetry/sdk-node)`);
    return undefined;
  }
  const { NodeSDK } = sdkNode;
  const sdk = new NodeSDK({
    ...options,
    // Checked here, as for the traces-only start: NodeSDK says nothing of a bad sampler or limit.
    ...samplingFromEnv(env, warn),
    idGenerator: new RequestIdTraceIdGenerator(),
    // Traces only, unless asked: NodeSDK would otherwise also push OTLP metrics and logs to the
    // same endpoint, which Jaeger does not accept.
    metricReaders: env.OTEL_METRICS_EXPORTER ? undefined : [],
    logRecordProcessors: env.OTEL_LOGS_EXPORTER ? logRecordProcessorsWithRequestId(attributeName) : [],
  });
  sdk.start();
  const delegate = (trace.getTracerProvider() as ProxyTracerProvider).getDelegate() as { forceFlush?: () => Promise<void> };
  return { forceFlush: () => delegate.forceFlush?.() ?? Promise.resolve(), shutdown: () => sdk.shutdown() };
}

/**
 * HttpInstrumentation, and fetch's UndiciInstrumentation when the app has it: an optional peer,
 * since its 3.x release (0.34) accepts `@opentelemetry/instrumentation` 0.300.x only and would
 * bring a second copy beside instrumentation-http 0.301's (docs/dependencies.md). Without it,
 * fetch calls still carry the request ID and vendor IDs get spans of ours.
 */
function httpAndFetchInstrumentations(env: NodeJS.ProcessEnv, warn: Warn): Instrumentation[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const undici = loadOptional<typeof import('@opentelemetry/instrumentation-undici')>('@opentelemetry/instrumentation-undici');
  const instrumentations: Instrumentation[] = [new HttpInstrumentation()];
  if (undici !== undefined) instrumentations.push(new undici.UndiciInstrumentation());
  const lambda = lambdaInstrumentation(env, warn);
  if (lambda !== undefined) instrumentations.push(lambda);
  return instrumentations;
}

/**
 * In AWS Lambda, instrumentation-aws-lambda makes each invocation's SERVER span and exports the
 * spans before the result goes back; an optional peer, named on stderr when missing (the request
 * IDs still work, with no invocation span).
 */
function lambdaInstrumentation(env: NodeJS.ProcessEnv, warn: Warn): Instrumentation | undefined {
  if (lambdaHandlerFile(env) === undefined) return undefined;
  const lambda = loadOptional<typeof import('@opentelemetry/instrumentation-aws-lambda')>('@opentelemetry/instrumentation-aws-lambda');
  if (lambda === undefined) {
    warn('@rid/otel/register: in AWS Lambda, invocations get no span without @opentelemetry/instrumentation-aws-lambda; request IDs still work (npm install @opentelemetry/instrumentation-aws-lambda)');
    return undefined;
  }
  return new lambda.AwsLambdaInstrumentation();
}

/**
 * With `@opentelemetry/auto-instrumentations-node` installed in the app, its instrumentations
 * (express, pg, redis, …, http and undici among them), as its own register picks them: it reads
 * `OTEL_NODE_ENABLED_INSTRUMENTATIONS` and `OTEL_NODE_DISABLED_INSTRUMENTATIONS` itself. One flag
 * then gives the whole auto-instrumentation with request IDs on every span.
 */
function autoInstrumentations(): Instrumentation[] | undefined {
  let path: string;
  try {
    path = require.resolve('@opentelemetry/auto-instrumentations-node', { paths: [appDir()] });
  } catch {
    return undefined;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { getNodeAutoInstrumentations } = require(path) as { getNodeAutoInstrumentations: () => Instrumentation[] };
  return getNodeAutoInstrumentations();
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
function registerEsmLoaderHook(env: NodeJS.ProcessEnv): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { register } = require('node:module') as { register?: (specifier: string, parent: string) => void };
  if (typeof register !== 'function' || !mainIsEsm(env)) return;
  try {
    register('@opentelemetry/instrumentation/hook.mjs', pathToFileURL(__filename).href);
  } catch (err) {
    diag.warn('@rid/otel/register: could not register the ESM loader hook; ESM imports of http will have no HttpInstrumentation spans', err);
  }
}

function mainIsEsm(env: NodeJS.ProcessEnv): boolean {
  // In Lambda the main script is the runtime's (an ES module either way): the handler's file is the app.
  const main = lambdaHandlerFile(env)?.filename ?? process.argv[1];
  return main !== undefined && main !== '' && isEsmFile(main);
}

// 10 minutes at most: longer than any orchestrator's grace period (Kubernetes' default is 30 s), and
// far below the 2^31-1 ms where Node clamps a timer to 1 ms and a shutdown would end at once.
const MAX_SHUTDOWN_TIMEOUT_MS = 600_000;

function shutdownTimeoutFromEnv(env: NodeJS.ProcessEnv, warn: Warn): number {
  const raw = env.RID_SHUTDOWN_TIMEOUT_MS;
  if (raw === undefined || raw === '') return DEFAULT_SHUTDOWN_TIMEOUT_MS;
  if (/^\s*\d{1,15}\s*$/.test(raw) && Number(raw) <= MAX_SHUTDOWN_TIMEOUT_MS) return Number(raw);
  warnEnv(warn, {
    variable: 'RID_SHUTDOWN_TIMEOUT_MS',
    value: raw,
    expected: `a whole number of milliseconds from 0 to ${MAX_SHUTDOWN_TIMEOUT_MS}`,
    using: `the default (${DEFAULT_SHUTDOWN_TIMEOUT_MS})`,
    example: '10000',
  });
  return DEFAULT_SHUTDOWN_TIMEOUT_MS;
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['true', '1'].includes(value.trim().toLowerCase());
}
