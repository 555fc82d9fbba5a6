import '../support/otel';
import * as assert from 'node:assert/strict';
import type * as http2 from 'node:http2';
import { context, SpanKind, type Context, type ContextManager } from '@opentelemetry/api';
import { getRequestId } from '../../src';
import { REQUEST_ID_CONTEXT_KEY, type RequestIdState } from '../../src/context/request-state';
import { h2Connect, h2Once, h2Request, type H2TestServer, startH2 } from '../support/h2';
import { waitForSpans } from '../support/otel';
import { useTestScope } from '../support/scope';

/** The registered context manager (the global one the API delegates to). */
function contextManager(): ContextManager {
  return (context as unknown as { _getContextManager(): ContextManager })._getContextManager();
}

/**
 * Which events of a server stream run in its request's context: those the app listens to, on any
 * Node line; not Node's own listeners (the `'end'` one Node adds at close to every stream still
 * readable: entering the context for it cost a fifth of our per-stream time in bench:h2).
 */
describe(`HTTP/2 server streams: the events that enter the request's context (${process.version})`, () => {
  const scope = useTestScope();
  let server: H2TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("a handler that adds no listener: the request's context is entered once per stream (its 'stream' emit), not for Node's own 'end' listener", async () => {
    scope.instrument();
    const manager = contextManager();
    // Per request ID: its stream's context (the first one entered, by the 'stream' emit) and how often it was entered.
    const entered = new Map<string, number>();
    const streamContext = new Map<string, Context>();
    const own = Object.prototype.hasOwnProperty.call(manager, 'with');
    const original = manager.with;
    manager.with = function (this: ContextManager, ctx: Context, ...rest: unknown[]) {
      const state = ctx.getValue(REQUEST_ID_CONTEXT_KEY) as RequestIdState | undefined;
      if (state?.id !== undefined && !streamContext.has(state.id)) streamContext.set(state.id, ctx);
      if (state?.id !== undefined && streamContext.get(state.id) === ctx) entered.set(state.id, (entered.get(state.id) ?? 0) + 1);
      return (original as (...a: unknown[]) => unknown).call(this, ctx, ...rest);
    } as ContextManager['with'];
    try {
      server = await startH2((s) => s.on('stream', (stream) => (stream.respond({ ':status': 200 }), stream.end('ok'))));
      const session = h2Connect(server.url);
      try {
        // Each stream's 'end' comes after its close: Node's kMaybeDestroy is its one listener.
        await Promise.all(Array.from({ length: 20 }, (_, i) => h2Request(session, { 'x-request-id': `plain-${i}` })));
      } finally {
        session.close();
      }
    } finally {
      if (own) manager.with = original;
      else delete (manager as Partial<ContextManager>).with;
    }
    assert.equal(entered.size, 20, 'each stream ran its handler in its context');
    for (const [id, times] of entered) assert.equal(times, 1, `stream ${id} entered its context ${times} times`);
  });

  it("the app's own 'data', 'end' and 'close' listeners see the request's ID, added in the handler or after an await", async () => {
    scope.instrument();
    const seen = new Map<string, Record<string, string | undefined>>();
    server = await startH2((s) =>
      s.on('stream', (stream: http2.ServerHttp2Stream, headers) => {
        const got: Record<string, string | undefined> = {};
        seen.set(headers['x-request-id'] as string, got);
        // Added in the handler, before Node's own 'close' listeners are there; 'data' and 'end' after an await.
        stream.on('close', () => (got.close = getRequestId()));
        void new Promise((r) => setImmediate(r)).then(() => {
          stream.on('end', () => {
            got.end = getRequestId();
            stream.respond({ ':status': 200 });
            stream.end('ok');
          });
          stream.on('data', () => (got.data = getRequestId()));
          stream.resume();
        });
      }),
    );
    const session = h2Connect(server.url);
    try {
      await Promise.all(Array.from({ length: 10 }, (_, i) => h2Request(session, { ':method': 'POST', 'x-request-id': `app-${i}` }, { body: `body-${i}` })));
    } finally {
      session.close();
    }
    await new Promise((r) => setImmediate(r));
    assert.equal(seen.size, 10);
    for (const [id, got] of seen) assert.deepEqual(got, { data: id, end: id, close: id }, `stream ${id}`);
  });

  it('a stream started before disable() still ends its SERVER span at close (the close hook stays)', async () => {
    const instrumentation = scope.instrument();
    let started!: () => void;
    const inHandler = new Promise<void>((r) => (started = r));
    let respond!: () => void;
    const released = new Promise<void>((r) => (respond = r));
    server = await startH2((s) =>
      s.on('stream', (stream) => {
        started();
        void released.then(() => (stream.respond({ ':status': 200 }), stream.end('ok')));
      }),
    );
    const response = h2Once(server.url, { 'x-request-id': 'before-disable' });
    await inHandler;
    instrumentation.disable();
    respond();
    assert.equal((await response).headers[':status'], 200);
    const [span] = await waitForSpans(SpanKind.SERVER, 1);
    assert.equal(span.attributes['request.id'], 'before-disable');
    assert.equal(span.attributes['http.response.status_code'], 200);
  });
});
