import type { TextMapPropagator } from '@opentelemetry/api';
import { globalPropagator } from '../internals/otel';

/**
 * The headers in which the global propagator may find a caller's trace context, so that a request
 * with none of them skips `propagation.extract` (issue 25: one extract per `trace_id` request).
 *
 * They are the propagator's `fields()`, plus the ones a known propagator reads without listing
 * them: B3Propagator lists only `b3` when it injects the single header, yet extracts the
 * multi-header form (`x-b3-traceid`) too. W3C tracecontext, Jaeger and X-Ray list what they read.
 * Cached per propagator instance: the composite's `fields()` copies its array on every call, and
 * the global propagator may be replaced (the cache then follows it).
 */
const UNLISTED: ReadonlyMap<string, readonly string[]> = new Map([['b3', ['x-b3-traceid']]]);

let cachedFor: TextMapPropagator | undefined;
let cachedFields: readonly string[] | undefined;

/** The header names to look for, lower-case; undefined when unknown (then extract always). */
export function traceContextFields(): readonly string[] | undefined {
  // Without the global propagator itself (internals/otel.ts), every request extracts.
  if (globalPropagator === undefined) return undefined;
  const propagator = globalPropagator();
  if (propagator !== cachedFor) {
    cachedFields = propagator === undefined ? undefined : fieldsOf(propagator);
    cachedFor = propagator;
  }
  return cachedFields;
}

function fieldsOf(propagator: TextMapPropagator): readonly string[] | undefined {
  if (typeof propagator.fields !== 'function') return undefined;
  const listed = propagator.fields();
  if (!Array.isArray(listed)) return undefined;
  const fields = new Set<string>();
  for (const field of listed) {
    if (typeof field !== 'string') return undefined;
    const name = field.toLowerCase();
    fields.add(name);
    for (const extra of UNLISTED.get(name) ?? []) fields.add(extra);
  }
  return [...fields];
}
