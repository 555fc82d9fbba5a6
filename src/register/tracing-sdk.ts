import { context, diag, DiagConsoleLogger, propagation, trace, type TextMapPropagator } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { Sampler, SpanProcessor } from '@opentelemetry/sdk-trace';

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
 * these readers, so this file is the one place that repeats them; `OTEL_RESOURCE_ATTRIBUTES` and
 * `OTEL_SERVICE_NAME` are read by the SDK's own envDetector.
 */
export function startTracingSdk(options: TracingSdkOptions, env: NodeJS.ProcessEnv = process.env): StartedSdk {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const core = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
  const resources = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const sdkTrace = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks') as typeof import('@opentelemetry/context-async-hooks');
  /* eslint-enable @typescript-eslint/no-require-imports */

  const logLevel = env.OTEL_LOG_LEVEL;
  if (logLevel !== undefined && logLevel.trim() !== '') diag.setLogger(new DiagConsoleLogger(), { logLevel: core.diagLogLevelFromString(logLevel) });

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
  const number = (name: string): number | undefined => core.getNumberFromEnv(name);
  const provider = new sdkTrace.TracerProvider({
    sampler: samplerFromEnv(sdkTrace, env),
    spanLimits: {
      attributeCountLimit: number('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT') ?? number('OTEL_ATTRIBUTE_COUNT_LIMIT'),
      attributeValueLengthLimit: number('OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT') ?? number('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT'),
      eventCountLimit: number('OTEL_SPAN_EVENT_COUNT_LIMIT'),
      linkCountLimit: number('OTEL_SPAN_LINK_COUNT_LIMIT'),
      attributePerEventCountLimit: number('OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT'),
      attributePerLinkCountLimit: number('OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT'),
    },
    resource,
    spanProcessors: options.spanProcessors,
  });
  trace.setGlobalTracerProvider(provider);
  return { forceFlush: () => provider.forceFlush(), shutdown: () => provider.shutdown() };
}

function samplerFromEnv(sdkTrace: typeof import('@opentelemetry/sdk-trace'), env: NodeJS.ProcessEnv): Sampler | undefined {
  const name = env.OTEL_TRACES_SAMPLER?.trim();
  if (name === undefined || name === '') return undefined;
  const ratio = (): number => {
    const raw = env.OTEL_TRACES_SAMPLER_ARG?.trim();
    const value = raw === undefined || raw === '' ? NaN : Number(raw);
    if (value >= 0 && value <= 1) return value;
    diag.error(`OTEL_TRACES_SAMPLER_ARG=${raw ?? ''} is blank or out of range ([0..1]), defaulting to 1.`);
    return 1;
  };
  const { AlwaysOnSampler, AlwaysOffSampler, ParentBasedSampler, TraceIdRatioBasedSampler } = sdkTrace;
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio());
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio()) });
    default:
      diag.error(`unknown OTEL_TRACES_SAMPLER value "${name}", using default`);
      return undefined;
  }
}
