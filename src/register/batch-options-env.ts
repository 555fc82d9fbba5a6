import type { Warn } from './env-config';
import { integerFromEnv, MAX_TIMER_MS, type IntegerVariable } from './env-integer';
import { warnEnv } from './env-warning';

export interface BatchOptions {
  maxQueueSize?: number;
  scheduledDelayMillis?: number;
  exportTimeoutMillis?: number;
  maxExportBatchSize?: number;
}

// The spec's defaults (OpenTelemetry SDK environment variables, Batch Span Processor).
export const DEFAULT_MAX_QUEUE_SIZE = 2048;
export const DEFAULT_MAX_EXPORT_BATCH_SIZE = 512;

const int = (variable: string, min: number, max: number, fallback: number, example: string): IntegerVariable => ({
  variable,
  min,
  max,
  fallback,
  fallbackText: String(fallback),
  example,
});

// Each minimum is where the processor stops working: a queue or batch of 0 never exports (and a
// batch of 0 makes the flush at exit loop forever: ceil(n / 0) batches); a timeout of 0 rejects
// every export before it is sent. A delay of 0 exports as spans end, which works.
const VARIABLES: readonly (readonly [Exclude<keyof BatchOptions, 'maxExportBatchSize'>, IntegerVariable])[] = [
  ['maxQueueSize', int('OTEL_BSP_MAX_QUEUE_SIZE', 1, Number.MAX_SAFE_INTEGER, DEFAULT_MAX_QUEUE_SIZE, '2048')],
  ['scheduledDelayMillis', int('OTEL_BSP_SCHEDULE_DELAY', 0, MAX_TIMER_MS, 5000, '5000')],
  ['exportTimeoutMillis', int('OTEL_BSP_EXPORT_TIMEOUT', 1, MAX_TIMER_MS, 30000, '30000')],
];

/**
 * `OTEL_BSP_*`, as the spec defines them. The BatchSpanProcessor of `@opentelemetry/sdk-trace`
 * reads no environment (only the sdk-trace-base shim did), so without this they would be ignored;
 * and it checks nothing but batch ≤ queue, so a bad value is replaced here by the spec's default.
 */
export function batchOptionsFromEnv(env: NodeJS.ProcessEnv, warn: Warn): BatchOptions {
  const options: BatchOptions = {};
  for (const [option, variable] of VARIABLES) {
    const value = integerFromEnv(env, variable, warn);
    if (value !== undefined) options[option] = value;
  }
  // The spec: the batch size must be ≤ the queue size. The SDK would clamp it to the queue size
  // with a diag message nobody sees; here the batch size gives way, to its default or less.
  const queue = options.maxQueueSize ?? DEFAULT_MAX_QUEUE_SIZE;
  const fitting = Math.min(DEFAULT_MAX_EXPORT_BATCH_SIZE, queue);
  const batchVariable = int('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 1, Number.MAX_SAFE_INTEGER, fitting, String(fitting));
  const batch = integerFromEnv(env, fitting === DEFAULT_MAX_EXPORT_BATCH_SIZE ? batchVariable : { ...batchVariable, fallbackText: `${fitting}, the queue size` }, warn);
  if (batch !== undefined && batch > queue) {
    warnEnv(warn, {
      variable: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
      value: env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE ?? '',
      expected: `a whole number from 1 to OTEL_BSP_MAX_QUEUE_SIZE (${queue})`,
      using: String(fitting),
      example: String(fitting),
    });
    options.maxExportBatchSize = fitting;
  } else options.maxExportBatchSize = batch ?? (queue < DEFAULT_MAX_EXPORT_BATCH_SIZE ? fitting : undefined);
  return options;
}
