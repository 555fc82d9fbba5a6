/**
 * The one module that reads OpenTelemetry's SDK spans beyond the API (HttpInstrumentation's
 * per-request RPC metadata, which carries the request's state, is internals/http-rpc-metadata.ts):
 * - An SDK span's `kind`, instrumentation scope and parent: the API's `Span` has none of them, and
 *   only the SDK's span objects carry them. Both SDK lines (2.x `instrumentationScope` and
 *   `parentSpanContext`; older `instrumentationLibrary` and `parentSpanId`) are read, and a span
 *   without them reads as "unknown" (`undefined`), never as a throw.
 *   test/internals/otel.test.ts fails loudly when the SDK in use no longer has these fields.
 * - An SDK span's event limit (`_spanLimits.eventCountLimit`, OTEL_SPAN_EVENT_COUNT_LIMIT or the
 *   provider's `spanLimits`): neither the API nor the SDK's Tracer or TracerProvider exposes the
 *   limits (sdk-trace 2.12 keeps them in private `_spanLimits` fields). A span without the field
 *   reads as the spec's default, 128, said once through diag; test/internals/otel.test.ts fails
 *   loudly when the SDK in use no longer has it.
 * - The API's context key of the active span (`SPAN_KEY`, not exported): `createContextKey` is
 *   the `Symbol.for` of its description in every API 1.x, so the key is that symbol; checked once against
 *   `trace.getSpan`. Without it (undefined) an HTTP/2 request's context is built with
 *   `trace.setSpan`; test/internals/otel.test.ts fails loudly then.
 * - The global propagator itself (`propagation._getGlobalPropagator`, private in API 1.x): the
 *   public `propagation.fields()` copies the composite's list on every call and cannot say when
 *   the propagator was replaced, so `trace_id`'s skip of needless extracts
 *   (incoming/trace-context-fields.ts) caches the fields per instance. Without it (undefined),
 *   every such request extracts; test/internals/otel.test.ts fails loudly then.
 */
import { diag, INVALID_SPAN_CONTEXT, propagation, ROOT_CONTEXT, trace, type Span, type SpanKind, type TextMapPropagator } from '@opentelemetry/api';

/** The SDK span's fields we read; typed here so that neither SDK line is a dependency. */
interface SdkSpanFields {
  kind?: SpanKind;
  instrumentationScope?: { name?: string };
  instrumentationLibrary?: { name?: string };
  parentSpanContext?: { spanId?: string; isRemote?: boolean };
  parentSpanId?: string;
  _spanLimits?: { eventCountLimit?: number };
}

function fieldsOf(span: Span): SdkSpanFields {
  return span as unknown as SdkSpanFields;
}

/** The span's kind, or `undefined` for a span that is not the SDK's. */
export function kindOf(span: Span): SpanKind | undefined {
  return fieldsOf(span).kind;
}

/** The name of the instrumentation that made the span (its tracer's name). */
export function scopeNameOf(span: Span): string | undefined {
  const fields = fieldsOf(span);
  return (fields.instrumentationScope ?? fields.instrumentationLibrary)?.name;
}

/** The span ID of the span's parent, if it has one. */
export function parentSpanIdOf(span: Span | undefined): string | undefined {
  if (span === undefined) return undefined;
  const fields = fieldsOf(span);
  return fields.parentSpanContext?.spanId ?? fields.parentSpanId;
}

/** Whether the span's parent is a span of this process (not one extracted from a request). */
export function hasLocalParent(span: Span): boolean {
  const fields = fieldsOf(span);
  if (fields.parentSpanContext !== undefined) return fields.parentSpanContext.isRemote !== true;
  return fields.parentSpanId !== undefined;
}

/** The spec's default event limit, for a span whose own limit cannot be read. */
const DEFAULT_EVENT_COUNT_LIMIT = 128;
let eventLimitFellBack = false;

/** How many events the SDK keeps on `span` (it drops the oldest past it); the spec's default when unreadable. */
export function eventCountLimitOf(span: Span): number {
  const limit = fieldsOf(span)._spanLimits?.eventCountLimit;
  if (typeof limit === 'number' && limit >= 0) return limit;
  if (!eventLimitFellBack) {
    eventLimitFellBack = true;
    diag.warn(`@rid/otel: cannot read the span event limit from this SDK's spans; bounding call events as if it were ${DEFAULT_EVENT_COUNT_LIMIT}`);
  }
  return DEFAULT_EVENT_COUNT_LIMIT;
}

/** The API's key of the active span in a context, or `undefined` when this API keeps it elsewhere. */
export const SPAN_CONTEXT_KEY: symbol | undefined = probeSpanKey();

function probeSpanKey(): symbol | undefined {
  const key = Symbol.for('OpenTelemetry Context Key SPAN');
  const span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
  return trace.getSpan(ROOT_CONTEXT.setValue(key, span)) === span ? key : undefined;
}

/** The registered global propagator, or `undefined` when this API does not expose it. */
export const globalPropagator: (() => TextMapPropagator | undefined) | undefined = probeGlobalPropagator();

function probeGlobalPropagator(): (() => TextMapPropagator | undefined) | undefined {
  const api = propagation as unknown as { _getGlobalPropagator?: () => TextMapPropagator | undefined };
  if (typeof api._getGlobalPropagator !== 'function') return undefined;
  const current = api._getGlobalPropagator.bind(propagation);
  return typeof current()?.fields === 'function' ? current : undefined;
}
