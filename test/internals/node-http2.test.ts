import '../support/otel';
import * as assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import * as http2 from 'node:http2';
import { SpanKind } from '@opentelemetry/api';
import { InstrumentationBase } from '@opentelemetry/instrumentation';
import { patches, sessionFieldsFound, targetOf } from '../../src/internals/node-http2';
import { nodeEndListenerFound } from '../../src/internals/node-http2-stream';
import { finishedSpans, waitForSpans } from '../support/otel';
import { useTestScope } from '../support/scope';
import { h2Connect, h2Once, startH2 } from '../support/h2';

// The module object itself (an `import * as` namespace has read-only bindings).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const http2Module = require('node:http2') as typeof http2;

/**
 * A stand-in for an HTTP/2 instrumentation that makes CLIENT spans: it patches node:http2 through
 * OTel's _wrap (shimmer), `connect` and then each session's `request`, as one would without the
 * prototype.
 */
class OtherHttp2Instrumentation extends InstrumentationBase {
  constructor() {
    super('other-http2', '1.0.0', { enabled: false });
  }
  protected init(): [] {
    return [];
  }
  wrapConnect(): void {
    const wrapSession = (session: http2.ClientHttp2Session): void => {
      this._wrap(session, 'request', (original) => function (this: http2.ClientHttp2Session, ...args: unknown[]) {
        const span = tracer.startSpan('other h2', { kind: SpanKind.CLIENT });
        const stream = (original as (...a: unknown[]) => http2.ClientHttp2Stream).apply(this, args);
        stream.once('close', () => span.end());
        return stream;
      } as never);
    };
    const tracer = this.tracer;
    this._wrap(http2Module, 'connect', (original) => function (this: unknown, ...args: unknown[]) {
      const session = (original as (...a: unknown[]) => http2.ClientHttp2Session).apply(this, args);
      wrapSession(session);
      return session;
    } as never);
  }
  unwrapConnect(): void {
    if ((http2Module.connect as { __wrapped?: boolean }).__wrapped) this._unwrap(http2Module, 'connect');
  }
}

/** A shimmer wrap of `http2.connect` that only counts calls (OTel's `_wrap` is shimmer's `wrap`): no spans. */
class CountingWrap extends InstrumentationBase {
  calls = 0;
  constructor() {
    super('counting-wrap', '1.0.0', { enabled: false });
  }
  protected init(): [] {
    return [];
  }
  wrapConnect(): void {
    const count = (): void => void this.calls++;
    this._wrap(http2Module, 'connect', (original) => function (this: unknown, ...args: unknown[]) {
      count();
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as never);
  }
  unwrapConnect(): void {
    if ((http2Module.connect as { __wrapped?: boolean }).__wrapped) this._unwrap(http2Module, 'connect');
  }
}

/** Ours: the spans of this package's instrumentation scope. */
function ownSpans(kind: SpanKind): ReturnType<typeof finishedSpans> {
  return finishedSpans(kind).filter((s) => s.instrumentationScope.name === '@rid/otel');
}

describe('internals/node-http2 (the probes of node:http2 that fall back loudly)', () => {
  const scope = useTestScope();

  it(`patches ClientHttp2Session.prototype.request on this Node (${process.version})`, () => {
    scope.instrument();
    assert.equal(patches().client, true, 'the client session prototype probe failed: HTTP/2 calls get no ID and no span');
  });

  it("reads a client session's authority and protocol from its own fields", async () => {
    const server = await startH2((s) => s.on('stream', (st) => (st.respond(), st.end())));
    const session = h2Connect(server.url);
    try {
      assert.equal(sessionFieldsFound(session), true, 'kAuthority/kProtocol were not found: destinations come from the socket');
      assert.deepEqual(targetOf(session), { authority: new URL(server.url).host, protocol: 'http:' });
    } finally {
      session.close();
      await server.close();
    }
  });

  it(`patches the emit of server sessions (on Http2Session.prototype, from the client probe) on this Node (${process.version})`, async () => {
    scope.instrument();
    assert.equal(patches().session, true, 'the Http2Session prototype probe failed: HTTP/2 servers get no ID, no echo and no span');
    let serverSession: http2.ServerHttp2Session | undefined;
    const server = await startH2((s) => {
      s.on('session', (session) => (serverSession = session));
      s.on('stream', (st) => (st.respond(), st.end()));
    });
    try {
      await h2Once(server.url);
    } finally {
      await server.close();
    }
    // A ServerHttp2Session.prototype.emit of Node's own would shadow the patch: HTTP/2 servers would be served untouched.
    assert.notEqual(serverSession?.emit, EventEmitter.prototype.emit, "a server session's emit is not the patched one");
    assert.equal(Object.prototype.hasOwnProperty.call(Object.getPrototypeOf(serverSession), 'emit'), false, 'ServerHttp2Session.prototype has an emit of its own');
  });

  it(`patches the server stream respond methods at the first stream on this Node (${process.version})`, async () => {
    scope.instrument();
    await serveOneStream();
    assert.deepEqual({ respondMethods: patches().respondMethods, session: patches().session }, { respondMethods: 3, session: true });
  });

  it(`finds Node's own 'end' listener of a server stream (kMaybeDestroy) on this Node (${process.version})`, async () => {
    scope.instrument();
    await serveOneStream();
    assert.equal(nodeEndListenerFound(), true, "Http2Stream's kMaybeDestroy was not found: every stream's 'end' enters its context");
  });

  it('makes no spans of its own when another instrumentation makes HTTP/2 spans', async () => {
    scope.instrument();
    const other = new OtherHttp2Instrumentation();
    const server = await startH2((s) => s.on('stream', (st) => (st.respond(), st.end())));
    try {
      other.wrapConnect();
      await h2Once(server.url);
      assert.equal((await waitForSpans(SpanKind.CLIENT, 1)).length, 1);
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(finishedSpans(SpanKind.CLIENT).map((s) => s.instrumentationScope.name), ['other-http2'], 'only the other instrumentation\'s span');
      assert.equal(ownSpans(SpanKind.CLIENT).length, 0);
      assert.equal(ownSpans(SpanKind.SERVER).length, 0);
      other.unwrapConnect();
      await h2Once(server.url);
      assert.equal((await waitForSpans(SpanKind.CLIENT, 2)).length, 2);
      assert.equal(ownSpans(SpanKind.CLIENT).length, 1);
    } finally {
      other.unwrapConnect();
      await server.close();
    }
  });

  it('a shimmer wrap of http2.connect that makes no spans (defaults, logging) leaves our spans on', async () => {
    scope.instrument();
    const server = await startH2((s) => s.on('stream', (st) => (st.respond(), st.end())));
    const wrap = new CountingWrap();
    try {
      wrap.wrapConnect();
      assert.equal((http2Module.connect as { __wrapped?: boolean }).__wrapped, true);
      await h2Once(server.url);
      assert.ok(wrap.calls >= 1, 'the call went through the wrap');
      assert.equal((await waitForSpans(SpanKind.CLIENT, 1)).length, 1, 'our CLIENT span');
      assert.equal(ownSpans(SpanKind.CLIENT).length, 1);
    } finally {
      wrap.unwrapConnect();
      await server.close();
    }
  });
});

/** One stream through a real h2c server: the server-side patches are made at the first stream. */
async function serveOneStream(): Promise<void> {
  const server = await startH2((s) => s.on('stream', (st) => (st.respond(), st.end())));
  try {
    await h2Once(server.url);
  } finally {
    await server.close();
  }
}
