import '../support/otel';
import * as assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { getRequestId } from '../../src';
import { finishedSpans, waitForSpans } from '../support/otel';
import { useTestScope } from '../support/scope';
import { fuzzHeaderCases, h2Connect, h2Once, h2Request, runHeaderFuzz, startH2, type H2TestServer } from '../support/h2';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Waits until `stream`'s 'close', with its result. */
function closed(stream: http2.ClientHttp2Stream): Promise<void> {
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

describe('HTTP/2 faults: no crash, no state leaked into another stream, no span left open', () => {
  const scope = useTestScope();
  let server: H2TestServer;
  let answered: string[] = [];
  /** The x-request-id of every stream the handler got, as it arrives. */
  let arrived: string[] = [];
  async function arrival(id: string): Promise<void> {
    for (const deadline = Date.now() + 5000; !arrived.includes(id); await sleep(2)) assert.ok(Date.now() < deadline, `stream ${id} reached the server`);
  }
  beforeEach(async () => {
    answered = [];
    arrived = [];
    server = await startH2((s) =>
      s.on('stream', async (stream, headers) => {
        stream.on('error', () => {});
        arrived.push(String(headers['x-request-id']));
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

  it('fuzzed headers (binary bytes, several IDs, huge values, many headers, NUL/CR/LF, upper case): never echoed raw, no crash', async () => {
    scope.instrument();
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 100000);
    const outcomes = await runHeaderFuzz(server.url, fuzzHeaderCases(seed, 80));
    let answered = 0;
    for (const res of outcomes) {
      const context = `fuzz seed ${res.seed} (${res.kind})`;
      if (res.status !== 200) continue; // refused by nghttp2 or Node: not a request our code saw
      answered++;
      const echoed = res.headers['x-request-id'] as string;
      const { seen } = JSON.parse(res.body) as { seen: string };
      assert.equal(seen, echoed, context);
      assert.ok(UUID_V4.test(echoed) || /^[A-Za-z0-9_@+/=-]{1,200}$/.test(echoed), `${context}: echoed ${JSON.stringify(echoed.slice(0, 80))}`);
      if (res.kind === 'binary-id' || res.kind === 'huge-id' || res.kind === 'multi-id' || res.kind === 'empty-id') assert.match(echoed, UUID_V4, context);
    }
    assert.ok(answered >= 40, `most fuzz cases are served (${answered} of ${outcomes.length}, seed ${seed})`);
    const after = await h2Once(server.url, { 'x-request-id': 'after-fuzz' });
    assert.equal(after.headers['x-request-id'], 'after-fuzz');
  });

  it('RST_STREAM in the middle of a response: both spans end, the next stream on the session is clean', async () => {
    scope.instrument();
    const session = h2Connect(server.url);
    try {
      const stream = session.request({ ':path': '/trickle', 'x-request-id': 'reset-me' });
      stream.on('error', () => {});
      stream.once('data', () => stream.close(http2.constants.NGHTTP2_CANCEL));
      await closed(stream);
      const next = await h2Request(session, { 'x-request-id': 'after-reset' });
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
    const session = h2Connect(server.url);
    const stream = session.request({ ':path': '/slow', 'x-request-id': 'doomed' });
    stream.on('error', () => {});
    await arrival('doomed');
    session.destroy();
    await closed(stream);
    const [serverSpan] = await waitForSpans(SpanKind.SERVER, 1);
    assert.equal(serverSpan.attributes['request.id'], 'doomed');
    assert.equal(serverSpan.status.code, SpanStatusCode.ERROR);
    const [clientSpan] = await waitForSpans(SpanKind.CLIENT, 1);
    assert.equal(clientSpan.status.code, SpanStatusCode.ERROR);
    await sleep(120);
    assert.deepEqual(answered, [], 'the handler saw its stream destroyed');
    const res = await h2Once(server.url, { 'x-request-id': 'still-serving' });
    assert.equal(res.headers['x-request-id'], 'still-serving');
  });

  it('GOAWAY from the server: the stream in flight completes, later ones fail cleanly, every span ends', async () => {
    scope.instrument();
    const session = h2Connect(server.url);
    const sessions: http2.ServerHttp2Session[] = [];
    server.server.on('session', (s: http2.ServerHttp2Session) => sessions.push(s));
    try {
      const inflight = h2Request(session, { ':path': '/slow', 'x-request-id': 'in-flight' });
      await arrival('in-flight');
      for (const s of sessions) s.goaway();
      const res = await inflight;
      assert.equal(JSON.parse(res.body).seen, 'in-flight');
      await sleep(20);
      await h2Request(session, { 'x-request-id': 'too-late' }).catch(() => undefined);
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
