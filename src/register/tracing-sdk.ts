import { context, diag, DiagConsoleLogger, propagation, trace, type TextMapPropagator } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { Sampler, SpanProcessor } from '@opentelemetry/sdk-trace';
import { warnOnStderr, type Warn } from './env-config';
import { logLevelFromEnv } from './log-level-env';
import { samplerChoiceFromEnv, samplerOf } from './sampler-env';
import { spanLimitsFromEnv, type SpanLimitsFromEnv } from './span-limits-env';
import { RequestIdTraceIdGenerator } from '../trace-id-generator';

/** What register needs of an SDK: NodeSDK, or the traces-only assembly below. */
export interface StartedSdk {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface TracingSdkOptions {
  serviceName?: string;
  spanProcessors: SpanProcessor[];
  textMapPropagator: TextMapPropagator | null;
  instrumentations: Instrumentation[];
}

/**
 * Whether the traces-only assembly can stand in for NodeSDK. `@opentelemetry/sdk-node` loads every
 * exporter it could build (OTLP traces, metrics and logs in three protocols, Prometheus, Zipkin)
 * and the metrics and logs SDKs, whatever the configuration: about half of register's start-up
 * time (bench/startup.ts). Metrics, logs, and resource detectors named by variable need NodeSDK's
 * own environment handling, so they still get NodeSDK.
 */
export function tracesOnly(env: NodeJS.ProcessEnv): boolean {
  return nodeSdkVariablesSet(env).length === 0;
}

/** The variables that ask for what only NodeSDK does (metrics, logs, detectors by name) and are set. */
export function nodeSdkVariablesSet(env: NodeJS.ProcessEnv): string[] {
  return ['OTEL_METRICS_EXPORTER', 'OTEL_LOGS_EXPORTER', 'OTEL_NODE_RESOURCE_DETECTORS', 'OTEL_NODE_EXPERIMENTAL_SDK_METRICS'].filter((name) => (env[name]?.trim() ?? '') !== '');
}

/**
 * NodeSDK's `start()` for traces, from the packages it is built on, with what NodeSDK reads from
 * the environment for them (sdk-node's sdk.ts and create-from-env.ts, 0.223 and 0.30x alike):
 * `OTEL_LOG_LEVEL`, `OTEL_TRACES_SAMPLER[_ARG]` and the span limits. sdk-node exports none of
 * these readers, so they are repeated here (log-level-env.ts, sampler-env.ts, span-limits-env.ts),
 * each bad value replaced by the spec's default with one line; `OTEL_RESOURCE_ATTRIBUTES` and
 * `OTEL_SERVICE_NAME` are read by the SDK's own envDetector.
 */
export function startTracingSdk(options: TracingSdkOptions, env: NodeJS.ProcessEnv = process.env, warn: Warn = warnOnStderr): StartedSdk {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const resources = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const sdkTrace = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks') as typeof import('@opentelemetry/context-async-hooks');
  /* eslint-enable @typescript-eslint/no-require-imports */

  const logLevel = logLevelFromEnv(env, warn);
  if (logLevel !== undefined) diag.setLogger(new DiagConsoleLogger(), { logLevel });

  registerInstrumentations({ instrumentations: options.instrumentations });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  if (options.textMapPropagator !== null) propagation.setGlobalPropagator(options.textMapPropagator);

  // NodeSDK's default detectors: the 3.x line added the service instance and OS ones (its
  // resources package is told apart by the split env detectors it also exports).
  const sdk3 = 'serviceNameEnvDetector' in resources;
  const detectors = sdk3
    ? [resources.serviceInstanceIdDetector, resources.processDetector, resources.hostDetector, resources.osDetector, resources.envDetector]
    : [resources.envDetector, resources.processDetector, resources.hostDetector];
  let resource = resources.defaultResource().merge(resources.detectResources({ detectors }));
  if (options.serviceName !== undefined) resource = resource.merge(resources.resourceFromAttributes({ 'service.name': options.serviceName }));

  if (options.spanProcessors.length === 0) return { forceFlush: () => Promise.resolve(), shutdown: () => Promise.resolve() };
  const provider = new sdkTrace.TracerProvider({
    ...samplingFromEnv(env, warn),
    idGenerator: new RequestIdTraceIdGenerator(new sdkTrace.RandomIdGenerator()),
    resource,
    spanProcessors: options.spanProcessors,
  });
  trace.setGlobalTracerProvider(provider);
  return { forceFlush: () => provider.forceFlush(), shutdown: () => provider.shutdown() };
}

/**
 * The sampler and span limits of the environment, checked (a bad value is the spec's default, with
 * one line): for the traces-only assembly, and given to NodeSDK too, which would otherwise read
 * them itself and say nothing of a bad one.
 */
export function samplingFromEnv(env: NodeJS.ProcessEnv, warn: Warn): { sampler: Sampler; spanLimits: SpanLimitsFromEnv } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdkTrace = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
  return { sampler: samplerOf(sdkTrace, samplerChoiceFromEnv(env, warn)), spanLimits: spanLimitsFromEnv(env, warn) };
}
