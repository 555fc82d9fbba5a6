import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

/**
 * Runs a load generator's or a test's own client calls with tracing suppressed: the client is not
 * the system under test, and in a process with an SDK its CLIENT spans would only fill the
 * exporter and cost CPU. A no-op where no SDK is registered (the benchmarks).
 */
export function untraced<T>(fn: () => T): T {
  return context.with(suppressTracing(ROOT_CONTEXT), fn);
}
