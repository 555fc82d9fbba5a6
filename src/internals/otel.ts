/**
 * The one module that reads OpenTelemetry beyond its public API.
 * - The per-request RPC metadata that HttpInstrumentation puts in a request's context: read
 *   through `@opentelemetry/core`'s getRPCMetadata, public API. The request's state rides on it
 *   (context/request-state.ts says why).
 * - An SDK span's `kind`, instrumentation scope and parent: the API's `Span` has none of them, and
 *   only the SDK's span objects carry them. Both SDK lines (2.x `instrumentationScope` and
 *   `parentSpanContext`; older `instrumentationLibrary` and `parentSpanId`) are read, and a span
 *   without them reads as "unknown" (`undefined`), never as a throw.
 *   test/internals/otel.test.ts fails loudly when the SDK in use no longer has these fields.
 */
import type { Context, Span, SpanKind } from '@opentelemetry/api';
import { getRPCMetadata } from '@opentelemetry/core';

/** HttpInstrumentation's per-request object in `ctx`, if any (mutable: it is one object per request). */
export function rpcMetadataOf(ctx: Context): (object & { span?: Span }) | undefined {
  const rpc = getRPCMetadata(ctx) as unknown;
  return typeof rpc === 'object' && rpc !== null ? (rpc as object & { span?: Span }) : undefined;
}

/** The SDK span's fields we read; typed here so that neither SDK line is a dependency. */
interface SdkSpanFields {
  kind?: SpanKind;
  instrumentationScope?: { name?: string };
  instrumentationLibrary?: { name?: string };
  parentSpanContext?: { spanId?: string; isRemote?: boolean };
  parentSpanId?: string;
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
