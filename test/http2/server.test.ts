import '../support/otel';
import * as assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import type * as http2 from 'node:http2';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { SamplingDecision, TracerProvider, type Sampler } from '@opentelemetry/sdk-trace';
import { getRequestId } from '../../src';
import { finishedSpans, waitForSpans } from '../support/otel';
import { useTestScope } from '../support/scope';
import { h2Connect, h2Once, h2Request, type H2TestServer, startH2 } from '../support/h2';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe(`HTTP/2 servers (node:http2, on every Node line: this one is ${process.version})`, () => {
  const scope = useTestScope();
  let servers: H2TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });
  async function serve(setup: (server: http2.Http2Server) => void, tls = false): Promise<H2TestServer> {
    const server = await startH2(setup, tls);
    servers.push(server);
    return server;
  }
  /** A 'stream' API handler that answers with what getRequestId() saw before and after an await. */
  const streamHandler = (server: http2.Http2Server): void => {
    server.on('stream', (stream) => {
      const before = getRequestId();
      void sleep(1).then(() => {
        stream.respond({ ':status': 200, 'content-type': 'application/json' });
        stream.end(JSON.stringify({ before: before ?? null, after: getRequestId() ?? null }));
      });
    });
  };

  async function serverSpan(): Promise<(typeof finishedSpans extends () => (infer S)[] ? S : never)> {
    const [span] = await waitForSpans(SpanKind.SERVER, 1);
    assert.ok(span, 'a SERVER span for the stream');
    return span;
  }

  it("'stream' API: no header: a uuid, echoed, current in the handler and its async work, on a SERVER span", async () => {
    scope.instrument();
    const { url } = await serve(streamHandler);
    const res = await h2Once(url, { ':path': '/items?x=1' });
    const id = res.headers['x-request-id'] as string;
    assert.match(id, UUID_V4);
    assert.deepEqual(JSON.parse(res.body), { before: id, after: id });
    const span = await serverSpan();
    assert.equal(span.attributes['request.id'], id);
    assert.equal(span.attributes['network.protocol.version'], '2');
    assert.equal(span.attributes['http.request.method'], 'GET');
    assert.equal(span.attributes['url.path'], '/items');
    assert.equal(span.attributes['url.query'], 'x=1');
    assert.equal(span.attributes['url.scheme'], 'http');
    assert.equal(span.attributes['server.address'], '127.0.0.1');
    assert.equal(span.attributes['http.response.status_code'], 200);
    assert.equal(span.status.code, SpanStatusCode.UNSET);
  });

  it('compat API (Http2ServerRequest/Response): the same ID, echo and span; an app that sets the header wins', async () => {
    scope.instrument();
    const { url } = await serve((server) =>
      server.on('request', (req, res) => {
        if (req.url === '/own') res.setHeader('X-Request-Id', 'set-by-app');
        res.end(JSON.stringify({ seen: getRequestId() ?? null, version: req.httpVersion }));
      }),
    );
    const res = await h2Once(url, { 'x-request-id': 'incoming-id-1' });
    assert.equal(res.headers['x-request-id'], 'incoming-id-1');
    assert.deepEqual(JSON.parse(res.body), { seen: 'incoming-id-1', version: '2.0' });
    assert.equal((await serverSpan()).attributes['request.id'], 'incoming-id-1');
    const own = await h2Once(url, { ':path': '/own' });
    assert.equal(own.headers['x-request-id'], 'set-by-app');
  });

  it("'stream' API: a header the app passes to respond() wins, in any case", async () => {
    scope.instrument();
    const { url } = await serve((server) =>
      server.on('stream', (stream) => {
        stream.respond({ ':status': 200, 'X-Request-Id': 'chosen-by-app' });
        stream.end();
      }),
    );
    const res = await h2Once(url, { 'x-request-id': 'incoming-2' });
    assert.equal(res.headers['x-request-id'], 'chosen-by-app');
  });

  it('an invalid incoming ID is replaced, never echoed raw, and kept escaped as request.id.original', async () => {
    scope.instrument();
    const { url } = await serve(streamHandler);
    const res = await h2Once(url, { 'x-request-id': 'bad id with spaces' });
    const id = res.headers['x-request-id'] as string;
    assert.match(id, UUID_V4);
    const span = await serverSpan();
    assert.equal(span.attributes['request.id'], id);
    assert.equal(span.attributes['request.id.original'], 'bad id with spaces');
  });

  it('trustIncoming by peer address: the session peer 127.0.0.1 outside the list gets a fresh ID', async () => {
    scope.instrument({ trustIncoming: ['10.0.0.0/8'] });
    const { url } = await serve(streamHandler);
    const res = await h2Once(url, { 'x-request-id': 'from-outside' });
    assert.notEqual(res.headers['x-request-id'], 'from-outside');
    assert.match(res.headers['x-request-id'] as string, UUID_V4);
  });

  it('trustIncoming and ignore functions receive the HTTP/2 request (httpVersion 2.0, headers, url, socket)', async () => {
    const seen: string[] = [];
    scope.instrument({
      trustIncoming: (req) => {
        seen.push(`${req.httpVersion} ${req.socket.remoteAddress} ${String(req.headers['x-request-id'])}`);
        return true;
      },
      ignore: (req) => req.url === '/health',
    });
    const { url } = await serve(streamHandler);
    const res = await h2Once(url, { 'x-request-id': 'trusted-1' });
    assert.equal(res.headers['x-request-id'], 'trusted-1');
    assert.deepEqual(seen, ['2.0 127.0.0.1 trusted-1']);
    const health = await h2Once(url, { ':path': '/health' });
    assert.equal(health.headers['x-request-id'], undefined);
    assert.deepEqual(JSON.parse(health.body), { before: null, after: null });
  });

  it('continues an incoming traceparent; child spans nest under the SERVER span', async () => {
    {
      scope.instrument();
      const { url } = await serve((server) =>
        server.on('stream', (stream) => {
          trace.getTracer('test').startActiveSpan('child', (child) => {
            child.end();
            stream.respond({ ':status': 200 });
            stream.end('ok');
          });
        }),
      );
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      await h2Once(url, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
      const span = await serverSpan();
      assert.equal(span.spanContext().traceId, traceId);
      const child = finishedSpans().find((s) => s.name === 'child');
      assert.ok(child);
      assert.equal(child.spanContext().traceId, traceId);
      assert.equal(child.parentSpanContext?.spanId ?? (child as unknown as { parentSpanId?: string }).parentSpanId, span.spanContext().spanId);
    }
  });

  it('a 5xx: error status on the span, and the echo is on the error response too', async () => {
    scope.instrument();
    const { url } = await serve((server) =>
      server.on('stream', (stream) => {
        stream.respond({ ':status': 503 });
        stream.end();
      }),
    );
    const res = await h2Once(url);
    assert.equal(res.headers[':status'], 503);
    assert.match(res.headers['x-request-id'] as string, UUID_V4);
    const span = await serverSpan();
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.attributes['http.response.status_code'], 503);
  });

  it('respondWithFile and respondWithFD carry the echo', async () => {
    scope.instrument();
    const file = join(__dirname, '../fixtures/tls-cert.pem');
    const { url } = await serve((server) =>
      server.on('stream', (stream, headers) => {
        if (headers[':path'] === '/fd') {
          const fd = openSync(file, 'r');
          stream.on('close', () => closeSync(fd));
          stream.respondWithFD(fd, { 'content-type': 'text/plain' });
        } else {
          stream.respondWithFile(file, { 'content-type': 'text/plain' });
        }
      }),
    );
    for (const path of ['/file', '/fd']) {
      const res = await h2Once(url, { ':path': path });
      assert.match(res.headers['x-request-id'] as string, UUID_V4, path);
      assert.ok(res.body.includes('BEGIN CERTIFICATE'), path);
    }
  });

  it('createSecureServer({ allowHTTP1 }): h2 over TLS gets the ID and span, an HTTP/1.1 client on the same server too', async () => {
    scope.instrument();
    const { url } = await serve((server) =>
      server.on('request', (req, res) => res.end(JSON.stringify({ seen: getRequestId() ?? null, version: req.httpVersion }))),
      true,
    );
    const res = await h2Once(url, { 'x-request-id': 'tls-id' });
    assert.equal(res.headers['x-request-id'], 'tls-id');
    assert.deepEqual(JSON.parse(res.body), { seen: 'tls-id', version: '2.0' });
    const span = await serverSpan();
    assert.equal(span.attributes['url.scheme'], 'https');
    const https = await import('node:https');
    const h1 = await new Promise<{ id: unknown; body: string }>((resolve, reject) => {
      https
        .get(url, { rejectUnauthorized: false, headers: { 'x-request-id': 'h1-id' } }, (r) => {
          let body = '';
          r.on('data', (c) => (body += c));
          r.on('end', () => resolve({ id: r.headers['x-request-id'], body }));
        })
        .on('error', reject);
    });
    assert.equal(h1.id, 'h1-id');
    assert.deepEqual(JSON.parse(h1.body), { seen: 'h1-id', version: '1.1' });
  });

  it('per-route rules: a second header for /api', async () => {
    scope.instrument({ rules: [{ match: '/api', headerName: 'X-Api-Request-Id' }] });
    const { url } = await serve(streamHandler);
    const res = await h2Once(url, { ':path': '/api/x' });
    assert.match(res.headers['x-request-id'] as string, UUID_V4);
    assert.match(res.headers['x-api-request-id'] as string, UUID_V4);
  });

  it('isolation: 200 concurrent streams on one session, each with random awaits, each sees only its own ID', async () => {
    scope.instrument();
    const { url } = await serve((server) =>
      server.on('stream', async (stream, headers) => {
        const seen: (string | undefined)[] = [];
        for (let i = 0; i < 3; i++) {
          seen.push(getRequestId());
          await sleep(Math.floor(Math.random() * 5));
        }
        stream.on('data', () => seen.push(getRequestId()));
        stream.on('end', () => {
          seen.push(getRequestId());
          stream.respond({ ':status': 200 });
          stream.end(JSON.stringify({ own: headers['x-request-id'], seen }));
        });
      }),
    );
    const session = h2Connect(url);
    try {
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => h2Request(session, { ':method': 'POST', 'x-request-id': `stream-${i}` }, { body: `body-${i}` })),
      );
      for (const [i, res] of results.entries()) {
        const { own, seen } = JSON.parse(res.body) as { own: string; seen: string[] };
        assert.equal(own, `stream-${i}`);
        assert.equal(res.headers['x-request-id'], own);
        assert.ok(seen.length >= 4 && seen.every((s) => s === own), `stream ${i} saw ${seen.join(',')}`);
      }
    } finally {
      session.close();
    }
    const spans = await waitForSpans(SpanKind.SERVER, 200);
    assert.equal(spans.length, 200);
    assert.equal(new Set(spans.map((s) => s.attributes['request.id'])).size, 200);
  });

  it("the SERVER span's sampler sees the request's ID attributes, with the HTTP ones", async () => {
    const seen: Attributes[] = [];
    const sampler: Sampler = {
      shouldSample: (_ctx, _traceId, _name, kind, attributes) => {
        if (kind === SpanKind.SERVER) seen.push({ ...attributes });
        return { decision: SamplingDecision.RECORD_AND_SAMPLED };
      },
      toString: () => 'RecordingSampler',
    };
    scope.instrument().setTracerProvider(new TracerProvider({ sampler }));
    const { url } = await serve(streamHandler);
    const res = await h2Once(url, { 'x-request-id': 'caller-id-1' });
    assert.equal(res.headers['x-request-id'], 'caller-id-1');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]['request.id'], 'caller-id-1');
    assert.equal(seen[0]['http.request.method'], 'GET');
  });

  it('disable(): streams are served untouched', async () => {
    const inst = scope.instrument();
    inst.disable();
    const { url } = await serve(streamHandler);
    const res = await h2Once(url);
    assert.equal(res.headers['x-request-id'], undefined);
    assert.deepEqual(JSON.parse(res.body), { before: null, after: null });
    await sleep(20);
    assert.equal(finishedSpans(SpanKind.SERVER).length, 0);
  });
});
