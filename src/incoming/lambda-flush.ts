import { trace } from '@opentelemetry/api';
import { isObject } from './lambda-event';

// What the result still needs to reach the runtime once the flush gives up (Lambda's timeouts are whole seconds).
const RESULT_MARGIN_MS = 250;

/**
 * The global tracer provider's forceFlush (through the API's proxy): resolves once it is done, or
 * when the invocation's deadline is {@link RESULT_MARGIN_MS} away, since a function that times out
 * loses its result and not only its spans. Never rejects.
 */
export function flushBeforeDeadline(lambdaContext: unknown): Promise<void> {
  const global = trace.getTracerProvider() as { getDelegate?: () => unknown; forceFlush?: () => Promise<void> };
  const provider = (typeof global.getDelegate === 'function' ? global.getDelegate() : global) as { forceFlush?: () => Promise<void> };
  if (typeof provider.forceFlush !== 'function') return Promise.resolve();
  const flushed = provider.forceFlush().then(
    () => undefined,
    () => undefined,
  );
  const remaining = remainingMs(lambdaContext);
  if (remaining === undefined) return flushed;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, remaining - RESULT_MARGIN_MS));
    timer.unref();
  });
  return Promise.race([flushed, deadline]).finally(() => clearTimeout(timer));
}

function remainingMs(lambdaContext: unknown): number | undefined {
  if (!isObject(lambdaContext) || typeof lambdaContext.getRemainingTimeInMillis !== 'function') return undefined;
  try {
    const ms = Number((lambdaContext.getRemainingTimeInMillis as () => unknown)());
    return Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}
