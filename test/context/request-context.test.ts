import '../support/otel';
import * as assert from 'node:assert/strict';
import { context, createContextKey, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { requestContext, withActiveSpan } from '../../src/context/request-context';
import { NO_REQUEST_STATE, REQUEST_ID_CONTEXT_KEY, standaloneState } from '../../src/context/request-state';

// An HTTP/2 request's context is one object (context/request-context.ts), not two BaseContexts:
// it must read, derive and activate as trace.setSpan(parent.setValue(key, state), span) does.
describe('requestContext: an HTTP/2 request context as one object', () => {
  const tracer = trace.getTracer('request-context');
  const OTHER = createContextKey('other value');
  const remote = propagation.extract(ROOT_CONTEXT, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }).setValue(OTHER, 'kept');

  it('reads the state, the span and every value of the parent', () => {
    const state = standaloneState('abc');
    const base = requestContext(remote, state);
    assert.equal(base.getValue(REQUEST_ID_CONTEXT_KEY), state);
    assert.equal(trace.getSpanContext(base)?.spanId, 'b7ad6b7169203331', 'the extracted parent before the span');
    const span = tracer.startSpan('server', {}, base);
    try {
      assert.equal(span.spanContext().traceId, '0af7651916cd43dd8448eb211c80319c');
      const ctx = withActiveSpan(base, span);
      assert.equal(trace.getSpan(ctx), span);
      assert.equal(ctx.getValue(REQUEST_ID_CONTEXT_KEY), state);
      assert.equal(ctx.getValue(OTHER), 'kept');
      assert.equal(requestContext(remote, NO_REQUEST_STATE).getValue(REQUEST_ID_CONTEXT_KEY), NO_REQUEST_STATE, 'no request: null, not the outer state');
    } finally {
      span.end();
    }
  });

  it('derives contexts that keep the span, the state and the parent, and leaves itself unchanged', () => {
    const state = standaloneState('abc');
    const span = tracer.startSpan('server', {}, remote);
    try {
      const ctx = withActiveSpan(requestContext(remote, state), span);
      const child = tracer.startSpan('child', {}, ctx);
      const derived = trace.setSpan(ctx, child).setValue(OTHER, 'changed');
      assert.equal(trace.getSpan(derived), child);
      assert.equal(derived.getValue(REQUEST_ID_CONTEXT_KEY), state);
      assert.equal(derived.getValue(OTHER), 'changed');
      assert.equal(trace.getSpan(ctx), span, 'the request context itself is unchanged');
      assert.equal(ctx.getValue(OTHER), 'kept');
      const deleted = trace.deleteSpan(ctx);
      assert.equal(trace.getSpan(deleted), undefined);
      assert.equal(deleted.getValue(REQUEST_ID_CONTEXT_KEY), state);
      assert.equal(child.spanContext().traceId, span.spanContext().traceId);
      child.end();
    } finally {
      span.end();
    }
  });

  it('is the active context, itself, inside context.with', () => {
    const ctx = requestContext(remote, standaloneState('abc'));
    context.with(ctx, () => assert.equal(context.active(), ctx));
  });
});
