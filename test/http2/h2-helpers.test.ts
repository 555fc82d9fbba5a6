/** The HTTP/2 test helpers (test/support/h2.ts) on real sessions, without any instrumentation. */
import * as assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import {
  clientDestroySessionMidRequest,
  clientResetMidResponse,
  closeSession,
  concurrentStreams,
  delayedOk,
  destroySessionMidRequest,
  fuzzHeaderCases,
  goawayThenRespond,
  h2Connect,
  h2Request,
  resetMidResponse,
  runHeaderFuzz,
  startH2c,
  startH2Server,
  startH2Tls,
  type H2TestServer,
} from '../support/h2';

describe('HTTP/2 test helpers', () => {
  const servers: H2TestServer[] = [];
  const start = async (p: Promise<H2TestServer>): Promise<H2TestServer> => {
    const s = await p;
    servers.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('200 concurrent streams on one h2c session, random awaits on both sides, each gets its own answer', async () => {
    const s = await start(startH2c(delayedOk(5, (h) => String(h['x-request-id']))));
    const { responses, sessionErrors } = await concurrentStreams(s.url, 200, { bodyFor: (i) => (i % 2 ? `body-${i}` : undefined) });
    assert.deepEqual(sessionErrors, []);
    responses.forEach((r, i) => {
      assert.equal(r.status, 200);
      assert.equal(r.body, `stream-${i}`);
      assert.equal(r.error, undefined);
    });
  });

  it('TLS server with allowHTTP1: h2 by ALPN, trusted test certificate', async () => {
    const s = await start(startH2Tls((stream, headers) => {
      stream.respond({ ':status': 200 });
      stream.end(`${headers[':scheme']} ${(stream.session?.socket as { alpnProtocol?: string }).alpnProtocol}`);
    }));
    const { responses } = await concurrentStreams(s.url, 5);
    for (const r of responses) assert.equal(r.body, 'https h2');
  });

  it('the compat API', async () => {
    const s = await start(startH2Server({ onRequest: (req, res) => res.end(`${req.httpVersion} ${req.headers['x-request-id']}`) }));
    const session = h2Connect(s.url);
    const r = await h2Request(session, { 'x-request-id': 'abc' });
    await closeSession(session);
    assert.equal(r.body, '2.0 abc');
  });

  it('server RST_STREAM mid-response: the client gets the partial body and the code', async () => {
    const s = await start(startH2c(resetMidResponse()));
    const session = h2Connect(s.url);
    const r = await h2Request(session);
    await closeSession(session);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'partial-');
    assert.equal(r.rstCode, http2.constants.NGHTTP2_CANCEL);
    assert.ok(r.error);

    const t = await start(startH2c(resetMidResponse(5, 'destroy')));
    const other = h2Connect(t.url);
    const d = await h2Request(other);
    await closeSession(other);
    assert.equal(d.body, 'partial-');
    assert.equal(d.rstCode, http2.constants.NGHTTP2_INTERNAL_ERROR);
    assert.equal(d.error, 'ERR_HTTP2_STREAM_ERROR');
  });

  it('client RST_STREAM mid-response', async () => {
    const s = await start(startH2c((stream) => {
      stream.respond({ ':status': 200 });
      stream.write('first');
      setTimeout(() => !stream.destroyed && stream.end('late'), 50);
    }));
    const session = h2Connect(s.url);
    const r = await clientResetMidResponse(session);
    await closeSession(session);
    assert.equal(r.status, 200);
    assert.equal(r.rstCode, http2.constants.NGHTTP2_CANCEL);
  });

  it('session destroyed mid-request, by the server and by the client', async () => {
    const s = await start(startH2c(destroySessionMidRequest()));
    const session = h2Connect(s.url);
    const r = await h2Request(session, { ':method': 'POST' }, { body: 'x'.repeat(100), awaitBetweenMs: 20 });
    assert.equal(r.status, 0);
    assert.ok(r.error);
    session.destroy();

    let serverSaw = false;
    let seen!: () => void;
    const arrived = new Promise<void>((resolve) => (seen = resolve));
    const t = await start(startH2c((stream) => {
      serverSaw = true;
      stream.on('data', () => {});
      seen();
    }));
    // Destroyed once the server has the stream: a fixed delay races a loaded machine.
    const c = await clientDestroySessionMidRequest(t.url, {}, arrived);
    assert.equal(c.status, 0);
    assert.ok(serverSaw);
  });

  it('GOAWAY: the open stream finishes, a later stream on that session fails, a new session works', async () => {
    const s = await start(startH2c(goawayThenRespond()));
    const session = h2Connect(s.url);
    const first = await h2Request(session);
    assert.equal(first.body, 'ok after goaway');
    const second = await h2Request(session);
    assert.ok(second.error, 'a stream after GOAWAY fails');
    session.destroy();

    const u = await start(startH2c());
    const keep = h2Connect(u.url);
    assert.equal((await h2Request(keep)).body, 'ok');
    u.goawayAll();
    await new Promise((r) => setTimeout(r, 20));
    assert.ok((await h2Request(keep)).error);
    keep.destroy();
  });

  it('header fuzz: every case comes back as an outcome, and the server stays up', async () => {
    const seen: unknown[] = [];
    const s = await start(startH2c((stream, headers) => {
      seen.push(headers['x-request-id']);
      stream.respond({ ':status': 200 });
      stream.end(String(Object.keys(headers).length));
    }));
    const outcomes = await runHeaderFuzz(s.url, fuzzHeaderCases(14, 40));
    assert.equal(outcomes.length, 40);
    const byKind = (k: string) => outcomes.filter((o) => o.kind === k);
    for (const o of byKind('binary-id')) assert.equal(o.status, 200, `binary-id seed ${o.seed}: ${o.error}`);
    // NUL, CR, LF: nghttp2 on the server resets the stream, or drops the field; no handler sees one.
    assert.ok(byKind('illegal').some((o) => o.status === 0));
    for (const v of seen) assert.doesNotMatch(String(v), /[\0\r\n]/);
    for (const o of byKind('upper')) assert.equal(o.status, 200, `upper seed ${o.seed}: ${o.error}`);
    assert.ok(outcomes.some((o) => o.error !== undefined), 'some case fails');
    const session = h2Connect(s.url);
    assert.equal((await h2Request(session)).status, 200);
    await closeSession(session);
  });
});
