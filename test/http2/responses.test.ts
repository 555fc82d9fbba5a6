import '../support/otel';
import * as assert from 'node:assert/strict';
import type * as http2 from 'node:http2';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { getRequestId } from '../../src';
import { finishedSpans, waitForSpans } from '../support/otel';
import { useTestScope } from '../support/scope';
import { closeSession, h2Connect, h2Once, h2Request, type H2TestServer, startH2 } from '../support/h2';

/**
 * What the SERVER span and the echo say is what Node sent, when it sent it: a respond that throws,
 * a second respond, a file that cannot be opened, the raw headers form. And a pushed stream is part
 * of the request that pushed it.
 */
describe('HTTP/2 servers: the span and the echo record what was sent', () => {
  const scope = useTestScope();
  let servers: H2TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });
  async function serve(onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void): Promise<H2TestServer> {
    const server = await startH2((s) => s.on('stream', onStream));
    servers.push(server);
    return server;
  }
  async function oneServerSpan() {
    const [span] = await waitForSpans(SpanKind.SERVER, 1);
    return span;
  }

  it('respondWithFile on a missing file: the client gets RST_STREAM, the span says closed with no response', async () => {
    scope.instrument();
    const server = await serve((stream) => {
      stream.on('error', () => {}); // ENOENT comes as the stream's error
      stream.respondWithFile('/nonexistent/rid-otel-test', { 'content-type': 'text/plain' });
    });
    const res = await h2Once(server.url);
    assert.equal(res.status, 0, 'no response head reached the client');
    assert.ok(res.rstCode !== undefined && res.rstCode !== 0, `RST_STREAM, got ${res.rstCode}`);
    const span = await oneServerSpan();
    assert.equal(span.attributes['http.response.status_code'], undefined);
    assert.equal(span.attributes['error.type'], 'stream_closed');
    assert.equal(span.status.code, SpanStatusCode.ERROR);
  });

  it('respond() twice: the span has the status the client got (the first), not the second', async () => {
    scope.instrument();
    const server = await serve((stream) => {
      stream.respond({ ':status': 201 });
      assert.throws(() => stream.respond({ ':status': 503 }), { code: 'ERR_HTTP2_HEADERS_SENT' });
      stream.end('x');
    });
    const res = await h2Once(server.url);
    assert.equal(res.status, 201);
    const span = await oneServerSpan();
    assert.equal(span.attributes['http.response.status_code'], 201);
    assert.notEqual(span.status.code, SpanStatusCode.ERROR);
  });

  it('respond() called with more arguments than Node reads: the echo, and the options still apply', async () => {
    scope.instrument();
    const server = await serve((stream) => {
      // endStream: true ends the stream with the head; a third argument is ignored by Node.
      (stream.respond as (...args: unknown[]) => void)({ ':status': 204 }, { endStream: true }, 'extra');
    });
    const res = await h2Once(server.url, { 'x-request-id': 'client-extra-args' });
    assert.equal(res.status, 204);
    assert.equal(res.headers['x-request-id'], 'client-extra-args');
    assert.equal(res.body, '');
    const span = await oneServerSpan();
    assert.equal(span.attributes['http.response.status_code'], 204);
  });

  it("respondWithFile's onError answers 404: the 404 carries the echo and the span says 404", async () => {
    scope.instrument();
    const server = await serve((stream) => {
      stream.respondWithFile('/nonexistent/rid-otel-test', {}, {
        onError: () => {
          stream.respond({ ':status': 404 });
          stream.end();
        },
      });
    });
    const res = await h2Once(server.url, { 'x-request-id': 'client-404' });
    assert.equal(res.status, 404);
    assert.equal(res.headers['x-request-id'], 'client-404');
    const span = await oneServerSpan();
    assert.equal(span.attributes['http.response.status_code'], 404);
  });

  it('respond() throws on a bad header, then the handler answers 500: the 500 carries the echo', async () => {
    scope.instrument();
    const server = await serve((stream) => {
      try {
        stream.respond({ ':status': 200, 'bad header': 'x' });
      } catch {
        stream.respond({ ':status': 500 });
        stream.end();
      }
    });
    const res = await h2Once(server.url, { 'x-request-id': 'client-500' });
    assert.equal(res.status, 500);
    assert.equal(res.headers['x-request-id'], 'client-500');
    const span = await oneServerSpan();
    assert.equal(span.attributes['http.response.status_code'], 500);
    assert.equal(span.status.code, SpanStatusCode.ERROR);
  });

  /** Responds with the raw headers form; where this Node rejects it (20, 22 before ~22.20), answers with the object form and says why. */
  const rawResponder =
    (raw: string[], refused: { code?: string }) =>
    (stream: http2.ServerHttp2Stream): void => {
      try {
        stream.respond(raw as unknown as http2.OutgoingHttpHeaders);
        stream.end('raw');
      } catch (err) {
        refused.code = (err as { code?: string }).code;
        stream.respond({ ':status': 200 });
        stream.end('object');
      }
    };

  it("respond() with Node's raw headers array: the echo is added and the span has the status sent", async () => {
    const refused: { code?: string } = {};
    const server = await serve(rawResponder([':status', '200', 'content-type', 'text/plain'], refused));
    const without = await h2Once(server.url);
    scope.instrument();
    const refusedWithout = refused.code;
    const res = await h2Once(server.url, { 'x-request-id': 'client-raw' });
    // Node's own answer to the raw form is the same with us as without.
    assert.equal(refused.code, refusedWithout);
    assert.equal(res.body, without.body);
    if (res.body === 'object') assert.equal(refused.code, 'ERR_INVALID_ARG_TYPE');
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-request-id'], 'client-raw');
    const span = await oneServerSpan();
    assert.equal(span.attributes['http.response.status_code'], 200);
    assert.equal(span.attributes['error.type'], undefined);
  });

  it("the raw headers array's own x-request-id wins, in any case", async () => {
    const refused: { code?: string } = {};
    const server = await serve(rawResponder([':status', '200', 'X-Request-Id', 'app-set'], refused));
    scope.instrument();
    const res = await h2Once(server.url, { 'x-request-id': 'client-raw' });
    if (res.body === 'raw') assert.equal(res.headers['x-request-id'], 'app-set');
    else assert.equal(refused.code, 'ERR_INVALID_ARG_TYPE');
  });

  it('a pushed stream belongs to the request that pushed it: no SERVER span of its own, the same ID echoed and seen', async () => {
    scope.instrument();
    let seenInPush: string | undefined;
    const server = await serve((stream) => {
      stream.pushStream({ ':path': '/pushed.css' }, (err, pushed) => {
        if (err) throw err;
        seenInPush = getRequestId();
        pushed.respond({ ':status': 200 });
        pushed.end('body { }');
      });
      stream.respond({ ':status': 200 });
      stream.end('main');
    });
    const session = h2Connect(server.url);
    const pushed = new Promise<http2.IncomingHttpHeaders>((resolve) =>
      session.on('stream', (push) => {
        push.on('push', (headers) => resolve(headers));
        push.resume();
      }),
    );
    try {
      const res = await h2Request(session, { 'x-request-id': 'parent-id' });
      assert.equal(res.headers['x-request-id'], 'parent-id');
      const pushedHeaders = await pushed;
      assert.equal(pushedHeaders['x-request-id'], 'parent-id', 'the pushed response carries the parent request ID');
    } finally {
      await closeSession(session);
    }
    assert.equal(seenInPush, 'parent-id');
    const spans = await waitForSpans(SpanKind.SERVER, 1);
    // Give a stray second SERVER span the time the first one took to arrive.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(finishedSpans(SpanKind.SERVER).length, 1, 'one SERVER span: the pushed stream gets none of its own');
    assert.equal(spans[0].attributes['request.id'], 'parent-id');
  });

  it('a repeated x-request-id is never one ID, even when the pattern allows ", " (as on HTTP/1.1)', async () => {
    scope.instrument({ validation: { pattern: /^[a-z0-9, -]+$/ } });
    const server = await serve((stream) => {
      stream.respond({ ':status': 200 });
      stream.end(String(getRequestId()));
    });
    // Two fields of one name: an array value is sent as two header fields.
    const session = h2Connect(server.url);
    try {
      const req = session.request({ ':path': '/', 'x-request-id': ['alice', 'bob'] });
      const got = await new Promise<{ headers: http2.IncomingHttpHeaders; body: string }>((resolve, reject) => {
        let body = '';
        let headers: http2.IncomingHttpHeaders = {};
        req.setEncoding('utf8');
        req.on('response', (h) => (headers = h));
        req.on('data', (c: string) => (body += c));
        req.on('end', () => resolve({ headers, body }));
        req.on('error', reject);
      });
      assert.notEqual(got.body, 'alice, bob');
      assert.notEqual(got.headers['x-request-id'], 'alice, bob');
      assert.equal(got.headers['x-request-id'], got.body, 'the generated ID is echoed and seen');
    } finally {
      await closeSession(session);
    }
    const span = await oneServerSpan();
    assert.equal(span.attributes['request.id.original'], 'alice, bob');
  });

  it('a single x-request-id with ", " in it is kept when the pattern allows it', async () => {
    scope.instrument({ validation: { pattern: /^[a-z0-9, -]+$/ } });
    const server = await serve((stream) => {
      stream.respond({ ':status': 200 });
      stream.end(String(getRequestId()));
    });
    const res = await h2Once(server.url, { 'x-request-id': 'alice, bob' });
    assert.equal(res.body, 'alice, bob');
  });

  for (const [authority, port] of [
    ['example.com:abc', undefined],
    ['example.com:99999999', undefined],
    ['example.com:0', undefined],
    ['example.com:8443', 8443],
  ] as const) {
    it(`:authority ${authority}: server.port is ${port ?? 'not set'}`, async () => {
      scope.instrument();
      const server = await serve((stream) => {
        stream.respond({ ':status': 200 });
        stream.end();
      });
      await h2Once(server.url, { ':authority': authority });
      const span = await oneServerSpan();
      assert.equal(span.attributes['server.address'], 'example.com');
      assert.equal(span.attributes['server.port'], port);
    });
  }
});
