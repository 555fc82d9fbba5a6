import { diag, type TextMapPropagator } from '@opentelemetry/api';
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { appPackageName } from './app-package';
import { RequestIdInstrumentation } from './instrumentation';
import { propagatorFromEnv, spanProcessorsFromEnv } from './register/otel-env';
import { logRecordProcessorsWithRequestId } from './register/otel-logs-env';
import { RequestIdPropagator } from './propagator';
import { RequestIdSpanProcessor } from './span-processor';
import { RequestIdTraceIdGenerator } from './trace-id-generator';
import type { RequestIdInstrumentationConfig } from './types';

/**
 * Adds the three parts to an existing NodeSDK configuration in one call: RequestIdInstrumentation
 * in `instrumentations`, RequestIdSpanProcessor before your span processors, RequestIdPropagator
 * after your propagator (and RequestIdLogRecordProcessor before your log record processors when
 * logs are exported). What you configured stays; what you left to the environment
 * (`OTEL_TRACES_EXPORTER`, `OTEL_PROPAGATORS`) is built from it as NodeSDK would. The service is
 * named after the app's package.json, as `@rid/otel/register` names it, unless you name it.
 *
 *     new NodeSDK(withRequestId({ instrumentations: [getNodeAutoInstrumentations()] })).start();
 */
export function withRequestId<T extends Partial<NodeSDKConfiguration>>(
  sdkConfig: T = {} as T,
  config: RequestIdInstrumentationConfig = {},
): T & Pick<NodeSDKConfiguration, 'instrumentations' | 'spanProcessors' | 'textMapPropagator' | 'logRecordProcessors' | 'idGenerator'> {
  const instrumentation = new RequestIdInstrumentation(config);
  const propagator = new RequestIdPropagator({ headerName: config.headerName, validation: config.validation });
  const stamp = new RequestIdSpanProcessor({ attributeName: config.attributeName });

  let processors: SpanProcessor[];
  if (sdkConfig.spanProcessors !== undefined) processors = [...sdkConfig.spanProcessors];
  else if (sdkConfig.traceExporter !== undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
    processors = [new BatchSpanProcessor({ exporter: sdkConfig.traceExporter })];
  } else processors = spanProcessorsFromEnv();

  let textMapPropagator: TextMapPropagator | null;
  if (sdkConfig.textMapPropagator === undefined) textMapPropagator = propagatorFromEnv(propagator, process.env, undefined, true);
  else if (sdkConfig.textMapPropagator === null) textMapPropagator = null; // "register no propagator" stays your choice
  else {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { CompositePropagator } = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
    textMapPropagator = new CompositePropagator({ propagators: [sdkConfig.textMapPropagator, propagator] });
  }

  if (sdkConfig.idGenerator !== undefined && choosesTraceIds(config)) {
    diag.warn("@rid/otel: algorithm 'trace_id' and traceIdFromRequestId cannot apply: your idGenerator is kept, and request IDs do not become trace IDs (leave idGenerator out, or wrap yours: new RequestIdTraceIdGenerator(yours))");
  }

  return {
    ...sdkConfig,
    ...namedAfterApp(sdkConfig),
    // Chooses the trace ID of a request's SERVER span when the config asks (trace-id-generator.ts); every other ID is the SDK's.
    idGenerator: sdkConfig.idGenerator ?? new RequestIdTraceIdGenerator(),
    instrumentations: [...(sdkConfig.instrumentations ?? []), instrumentation],
    // An empty list means "no exporter" (OTEL_TRACES_EXPORTER=none): stamping would be wasted work.
    spanProcessors: processors.length === 0 ? [] : [stamp, ...processors],
    textMapPropagator,
    logRecordProcessors: logRecordProcessorsWithRequestId(config.attributeName, sdkConfig),
  };
}

/** Whether the config makes a request's trace ID (`trace_id`, here or in a rule, or `traceIdFromRequestId`). */
function choosesTraceIds(config: RequestIdInstrumentationConfig): boolean {
  return config.algorithm === 'trace_id' || config.traceIdFromRequestId === true || (config.rules ?? []).some((r) => r?.algorithm === 'trace_id');
}

/**
 * The app's package.json name as the base resource's `service.name`, where NodeSDK would otherwise
 * report `unknown_service:node`. A base, not NodeSDK's `serviceName` (which is merged last and
 * would win): NodeSDK merges what its detectors find on top of it, so `OTEL_SERVICE_NAME` and
 * `OTEL_RESOURCE_ATTRIBUTES` still win, and so do your own `serviceName` and `resource`, which are
 * left alone.
 */
function namedAfterApp(sdkConfig: Partial<NodeSDKConfiguration>): Pick<NodeSDKConfiguration, 'resource'> | undefined {
  if (sdkConfig.resource !== undefined || sdkConfig.serviceName !== undefined) return undefined;
  const name = appPackageName();
  if (name === undefined) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { defaultResource, resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  return { resource: defaultResource().merge(resourceFromAttributes({ 'service.name': name })) };
}
