import '../support/otel';
import * as assert from 'node:assert/strict';
import { context, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { RPCType, setRPCMetadata } from '@opentelemetry/core';
import { getRequestId } from '../../src';
import { rpcMetadataOf, stateOnRpcMetadata, usesRpcMetadata } from '../../src/internals/http-rpc-metadata';
import { get } from '../support/http';
import { finishedSpans } from '../support/otel';
import { useTestScope } from '../support/scope';
import { waitFor } from '../support/wait';

// The request's state rides on HttpInstrumentation's RPC metadata (internals/http-rpc-metadata.ts).
// If the probe falls back, every request pays for a second AsyncLocalStorage: these fail loudly.
describe("internals/http-rpc-metadata: the request's state on HttpInstrumentation's RPC metadata", () => {
  const tracer = trace.getTracer('probe-scope');
  const scope = useTestScope();

  it('the probe finds the metadata writable on this @opentelemetry/core (CI runs it on both SDK lines)', () => {
    assert.equal(usesRpcMetadata, true, `the RPC metadata probe failed on Node ${process.version}: request states now go to a second AsyncLocalStorage`);
  });

  it("finds HttpInstrumentation's RPC metadata through @opentelemetry/core's own key", () => {
    const span = tracer.startSpan('server');
    const metadata = { type: RPCType.HTTP, span };
    try {
      assert.equal(rpcMetadataOf(setRPCMetadata(context.active(), metadata)), metadata);
      assert.equal(rpcMetadataOf(ROOT_CONTEXT), undefined);
    } finally {
      span.end();
    }
  });

  it("a real request under HttpInstrumentation: the state is on the SERVER span's metadata, and is the handler's", async () => {
    scope.instrument();
    let seen: { metadataSpan?: string; onMetadata?: string; id?: string } = {};
    const app = await scope.serve((_req, res) => {
      const active = context.active();
      seen = { metadataSpan: rpcMetadataOf(active)?.span?.spanContext().spanId, onMetadata: stateOnRpcMetadata<{ id: string }>(active)?.id, id: getRequestId() };
      res.end();
    });
    await get(app.url);
    const server = await waitFor('the SERVER span', () => finishedSpans(SpanKind.SERVER).find((s) => s.attributes['server.port'] === app.port));
    assert.equal(seen.metadataSpan, server.spanContext().spanId);
    assert.ok(seen.id, 'a request ID');
    assert.equal(seen.onMetadata, seen.id);
  });
});
