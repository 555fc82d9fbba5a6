import '../support/otel';
import * as assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { getRequestId } from '../../src';
import { finishedSpans, waitForSpans } from '../support/otel';
import { useTestScope } from '../support/scope';
import { connect, h2request, HTTP2_SERVERS, startH2, type H2Server } from './h2';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Waits until `stream`'s 'close', with its result. */
function closed(stream: http2.ClientHttp2Stream): Promise<void> {
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

if (HTTP2_SERVERS) describe('HTTP/2 faults: no crash, no state leaked into another stream, no span left open', () => {
  const scope = useTestScope();
  let server: H2Server;
  let answered: string[] = [];
  beforeEach(async () => {
    answered = [];
    server = await startH2((s) =>
      s.on('stream', async (stream, headers) => {
        stream.on('error', () => {});
        const path = headers[':path'];
        if (path === '/slow') await sleep(100);
        if (stream.destroyed) return;
        answered.push(String(getRequestId()));
        if (path === '/trickle') {
          stream.respond({ ':status': 200 });
          stream.write('first part');
          await sleep(50);
          if (!stream.destroyed) stream.end('second part');
          return;
        }
        stream.respond({ ':status': 200 });
        stream.end(JSON.stringify({ seen: getRequestId() ?? null }));
      }),
    );
  });
  afterEach(() => server.close());

  it('fuzzed header values (binary bytes, many headers, huge values): never echoed raw, always answered', async () => {
    scope.instrument();
    const session = connect(server.url);
    try {
      for (let round = 0; round < 40; round++) {
        const bytes = Array.from({ length: 1 + Math.floor(Math.random() * 64) }, () => 0x20 + Math.floor(Math.random() * 0xe0));
        const value = Buffer.from(bytes).toString('latin1');
        const headers: http2.OutgoingHttpHeaders = { 'x-request-id': round % 5 === 0 ? 'y'.repeat(8000) : value };
        if (round % 7 === 0) for (let i = 0; i < 100; i++) headers[`x-extra-${i}`] = value;
        let res;
        try {
          res = await h2request(session, headers);
        } catch {
          continue; // a value Node's client refuses to send is not a server case
        }
        const echoed = res.headers['x-request-id'] as string;
        const valid = /^[A-Za-z0-9_@+/=-]{1,200}$/.test(String(headers['x-request-id']));
        assert.equal(echoed, valid ? headers['x-request-id'] : echoed);
        if (!valid) assert.match(echoed, UUID_V4);
        assert.equal(JSON.parse(res.body).seen, echoed);
      }
    } finally {
      session.close();
    }
  });

  it('RST_STREAM in the middle of a response: both spans end, the next stream on the session is clean', async () => {
    scope.instrument();
    const session = connect(server.url);
    try {
      const stream = session.request({ ':path': '/trickle', 'x-request-id': 'reset-me' });
      stream.on('error', () => {});
      stream.once('data', () => stream.close(http2.constants.NGHTTP2_CANCEL));
      await closed(stream);
      const next = await h2request(session, { 'x-request-id': 'after-reset' });
      assert.equal(JSON.parse(next.body).seen, 'after-reset');
    } finally {
      session.close();
    }
    const servers = await waitForSpans(SpanKind.SERVER, 2);
    assert.deepEqual(servers.map((s) => s.attributes['request.id']).sort(), ['after-reset', 'reset-me']);
    assert.equal((await waitForSpans(SpanKind.CLIENT, 2)).length, 2);
  });

  it('a session destroyed mid-request: spans end with an error status, the server keeps serving', async () => {
    scope.instrument();
    const session = connect(server.url);
    const stream = session.request({ ':path': '/slow', 'x-request-id': 'doomed' });
    stream.on('error', () => {});
    await sleep(20);
    session.destroy();
    await closed(stream);
    const [serverSpan] = await waitForSpans(SpanKind.SERVER, 1);
    assert.equal(serverSpan.attributes['request.id'], 'doomed');
    assert.equal(serverSpan.status.code, SpanStatusCode.ERROR);
    const [clientSpan] = await waitForSpans(SpanKind.CLIENT, 1);
    assert.equal(clientSpan.status.code, SpanStatusCode.ERROR);
    await sleep(120);
    assert.deepEqual(answered, [], 'the handler saw its stream destroyed');
    const res = await h2request(server.url, { 'x-request-id': 'still-serving' });
    assert.equal(res.headers['x-request-id'], 'still-serving');
  });

  it('GOAWAY from the server: the stream in flight completes, later ones fail cleanly, every span ends', async () => {
    scope.instrument();
    const session = connect(server.url);
    const sessions: http2.ServerHttp2Session[] = [];
    server.server.on('session', (s: http2.ServerHttp2Session) => sessions.push(s));
    try {
      const inflight = h2request(session, { ':path': '/slow', 'x-request-id': 'in-flight' });
      await sleep(20);
      for (const s of sessions) s.goaway();
      const res = await inflight;
      assert.equal(JSON.parse(res.body).seen, 'in-flight');
      await sleep(20);
      await h2request(session, { 'x-request-id': 'too-late' }).catch(() => undefined);
    } finally {
      session.destroy();
    }
    await sleep(50);
    const started = finishedSpans(SpanKind.SERVER).map((s) => s.attributes['request.id']);
    assert.ok(started.includes('in-flight'));
    assert.ok(!started.includes('too-late'), 'no stream after GOAWAY reached the server');
    assert.equal(finishedSpans(SpanKind.CLIENT).length, 2, 'one CLIENT span per request(), the refused one included');
  });
});
