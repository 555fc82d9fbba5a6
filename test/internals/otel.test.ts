import '../support/otel';
import * as assert from 'node:assert/strict';
import { propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { eventCountLimitOf, globalPropagator, hasLocalParent, kindOf, parentSpanIdOf, scopeNameOf, SPAN_CONTEXT_KEY } from '../../src/internals/otel';

// The SDK span fields this package reads beyond the API (internals/otel.ts). If the SDK in use
// renames them, these fail loudly: the AWS capture and the SERVER-span stamp would go quiet.
describe('internals/otel: what is read beyond the OTel API', () => {
  const tracer = trace.getTracer('probe-scope');

  it("reads an SDK span's kind, instrumentation scope and parent on this SDK", () => {
    const parent = tracer.startSpan('parent', { kind: SpanKind.SERVER });
    const child = tracer.startSpan('child', { kind: SpanKind.CLIENT }, trace.setSpan(ROOT_CONTEXT, parent));
    try {
      assert.equal(kindOf(parent), SpanKind.SERVER, 'span.kind');
      assert.equal(kindOf(child), SpanKind.CLIENT, 'span.kind');
      assert.equal(scopeNameOf(child), 'probe-scope', 'the instrumentation scope');
      assert.equal(parentSpanIdOf(child), parent.spanContext().spanId, 'the parent span ID');
      assert.equal(parentSpanIdOf(parent), undefined);
      assert.equal(hasLocalParent(child), true);
      assert.equal(hasLocalParent(parent), false);
    } finally {
      child.end();
      parent.end();
    }
  });

  it('a remote parent is not a local one', () => {
    const remote = trace.setSpanContext(ROOT_CONTEXT, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: true });
    const span = tracer.startSpan('from a request', {}, remote);
    try {
      assert.equal(hasLocalParent(span), false);
      assert.equal(parentSpanIdOf(span), 'b7ad6b7169203331');
    } finally {
      span.end();
    }
  });

  it("a span that is not the SDK's reads as unknown, never a throw", () => {
    const foreign = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });
    assert.equal(kindOf(foreign), undefined);
    assert.equal(scopeNameOf(foreign), undefined);
    assert.equal(parentSpanIdOf(foreign), undefined);
  });

  it("reads an SDK span's event limit (the call-event budget follows it; a fallback would be the default 128 whatever the limit)", () => {
    const low = new TracerProvider({ spanLimits: { eventCountLimit: 7 } });
    const span = low.getTracer('probe-scope').startSpan('limited');
    const usual = tracer.startSpan('default limit');
    try {
      assert.equal(eventCountLimitOf(span), 7, 'span._spanLimits.eventCountLimit');
      assert.equal(eventCountLimitOf(usual), 128);
    } finally {
      span.end();
      usual.end();
    }
  });

  it("finds the API's span context key (an HTTP/2 request's context is then one object; a fallback builds two BaseContexts per stream)", () => {
    assert.equal(typeof SPAN_CONTEXT_KEY, 'symbol', 'Symbol.for(\'OpenTelemetry Context Key SPAN\') is not the key trace.getSpan reads on this API');
    const span = tracer.startSpan('probe');
    try {
      assert.equal(trace.getSpan(ROOT_CONTEXT.setValue(SPAN_CONTEXT_KEY!, span)), span);
    } finally {
      span.end();
    }
  });

  it("reads the global propagator itself (trace_id's skip of needless extracts caches its fields per instance; a fallback extracts on every request)", () => {
    assert.equal(typeof globalPropagator, 'function', 'propagation._getGlobalPropagator is gone from this @opentelemetry/api');
    assert.deepEqual(globalPropagator!()?.fields(), propagation.fields());
  });
});
