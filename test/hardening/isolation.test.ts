/**
 * Isolation under load (issue #7, item 3): many requests in flight at once, each with random
 * awaits, timers and fan-out, must never see, send or record another request's ID.
 *
 * Beyond the 200- and 500-request checks in instrumentation.test.ts and propagation.test.ts, this
 * file mixes on purpose what shares a connection, and so an async resource, between requests:
 * keep-alive and one-shot clients, ignored health checks on the same keep-alive connections,
 * pipelined requests, and the body parsers of express 5 and fastify 5.
 */
import '../support/otel';
import * as assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '../support/sdk-compat';
import { getRequestId, RequestIdInstrumentation } from '../../src';
import { startServer, type TestServer } from '../support/http';
import { diagLines, finishedSpans, resetSpans } from '../support/otel';
import { untraced } from '../../bench/lib/untraced';
import { headerValues, pool, RawConnection } from '../support/raw-http';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const randomMs = (max: number): number => Math.floor(Math.random() * max);

/** GET with http.get; resolves the JSON body. */
function httpJson(url: string, agent?: http.Agent | false, headers: http.OutgoingHttpHeaders = {}): Promise<{ status: number; id: string | undefined; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, id: res.headers['x-request-id'] as string | undefined, body: JSON.parse(body) }));
      })
      .on('error', reject);
  });
}

/** POSTs `payload` as JSON in three chunks with pauses between them: the body arrives over time. */
function postJsonInChunks(url: string, payload: unknown, agent: http.Agent, headers: http.OutgoingHttpHeaders): Promise<{ status: number; id: string; body: Record<string, unknown> }> {
  const bytes = Buffer.from(JSON.stringify(payload));
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': bytes.length } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, id: res.headers['x-request-id'] as string, body: JSON.parse(body) }));
    });
    req.on('error', reject);
    const third = Math.ceil(bytes.length / 3);
    req.write(bytes.subarray(0, third));
    setTimeout(() => {
      req.write(bytes.subarray(third, 2 * third));
      setTimeout(() => req.end(bytes.subarray(2 * third)), randomMs(4));
    }, randomMs(4));
  });
}

function pathOf(span: ReadableSpan): string {
  const path = span.attributes['url.path'];
  if (typeof path === 'string') return path;
  const full = span.attributes['url.full'];
  return typeof full === 'string' ? new URL(full).pathname : '';
}

describe('hardening: isolation under load', function () {
  this.timeout(60_000);
  let instrumentation: RequestIdInstrumentation;
  let servers: TestServer[] = [];

  before(() => {
    instrumentation = new RequestIdInstrumentation({ ignore: '/healthz' });
  });
  after(() => instrumentation.disable());
  beforeEach(() => resetSpans());
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });

  async function serve(handler: http.RequestListener): Promise<TestServer> {
    const server = await startServer(handler);
    servers.push(server);
    return server;
  }

  /** Service B: reports the request-ID header it received and the ID it works under. */
  async function startDownstream(): Promise<TestServer> {
    return serve(async (req, res) => {
      await pause(randomMs(3));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ received: req.headers['x-request-id'] ?? null, seen: getRequestId() ?? null }));
    });
  }

  it('1,000 concurrent requests (keep-alive, one-shot and pipelined, ignored ones between them) with random awaits, timers and fan-out: no cross-talk anywhere', async () => {
    const N = 1000;
    const b = await startDownstream();
    const bus = new EventEmitter();
    bus.setMaxListeners(0);
    /** What each request's 'finish' listener saw: for pipelined responses, Node emits it from another request's. */
    const finishSeen = new Map<string, string | undefined>();

    const a = await serve(async (req, res) => {
      const path = (req.url ?? '').split('?')[0];
      const token = path.split('/')[2];
      const reads: (string | undefined)[] = [getRequestId()];
      res.on('finish', () => finishSeen.set(token, getRequestId()));
      await pause(randomMs(5));
      reads.push(getRequestId());
      reads.push(await new Promise<string | undefined>((r) => setImmediate(() => r(getRequestId()))));
      reads.push(await new Promise<string | undefined>((r) => process.nextTick(() => r(getRequestId()))));
      // An event emitted later by someone else's timer: the listener was added in this request.
      reads.push(
        await new Promise<string | undefined>((r) => {
          bus.once(`go-${token}`, () => r(getRequestId()));
          setTimeout(() => bus.emit(`go-${token}`), randomMs(3));
        }),
      );
      const calls: Promise<Record<string, unknown>>[] = [];
      const fan = Number(token) % 4; // none, http, fetch, both (in parallel)
      if (fan === 1 || fan === 3) calls.push(httpJson(`${b.url}/b/${token}/http`).then((r) => r.body));
      if (fan === 2 || fan === 3) calls.push(fetch(`${b.url}/b/${token}/fetch`).then((r) => r.json() as Promise<Record<string, unknown>>));
      const downstream = await Promise.all(calls);
      await Promise.resolve().then(() => pause(randomMs(3)));
      reads.push(getRequestId());
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ token, reads: reads.map((r) => r ?? null), downstream }));
    });

    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const pipelines = Array.from({ length: 10 }, () => new RawConnection(a.port));
    interface Outcome {
      token: string;
      ignored: boolean;
      sent?: string;
      id: string | undefined;
      body: { token: string; reads: (string | null)[]; downstream: { received: string | null; seen: string | null }[] };
    }
    const outcomes: Outcome[] = [];
    try {
      // Every 10th request is pipelined (groups of 5 on 10 raw connections); every 7th is a health check
      // that is ignored by the instrumentation, sent on the same keep-alive connections as the rest.
      const pipelined: number[] = [];
      const tasks: Promise<void>[] = [];
      for (let i = 0; i < N; i++) {
        const token = String(i);
        const ignored = i % 7 === 3;
        const sent = i % 5 === 0 ? `client-${i}` : i % 5 === 1 ? `bad value ${i}` : undefined;
        const path = `${ignored ? '/healthz' : '/a'}/${token}`;
        if (i % 10 === 9 && !ignored) {
          pipelined.push(i);
          continue;
        }
        const agent = i % 3 === 0 ? false : keepAlive;
        tasks.push(
          untraced(() => httpJson(`${a.url}${path}`, agent, sent === undefined ? {} : { 'x-request-id': sent })).then((r) => {
            assert.equal(r.status, 200);
            outcomes.push({ token, ignored, sent, id: r.id, body: r.body as unknown as Outcome['body'] });
          }),
        );
      }
      for (let g = 0; g * 5 < pipelined.length; g++) {
        const group = pipelined.slice(g * 5, g * 5 + 5);
        const connection = pipelines[g % pipelines.length];
        tasks.push(
          connection
            .sendPipelined(group.map((i) => `GET /a/${i} HTTP/1.1\r\nHost: a\r\nX-Request-Id: piped-${i}\r\n\r\n`))
            .then((responses) => {
              responses.forEach((res, k) => {
                assert.equal(res.status, 200);
                const token = String(group[k]);
                outcomes.push({ token, ignored: false, sent: `piped-${token}`, id: headerValues(res, 'x-request-id')[0], body: JSON.parse(res.body) });
              });
            }),
        );
      }
      await Promise.all(tasks);
    } finally {
      keepAlive.destroy();
      for (const c of pipelines) c.close();
    }
    assert.equal(outcomes.length, N);

    const ids = new Set<string>();
    const expectedBSpans = new Map<string, string>();
    const expectedClientSpans = new Map<string, string>();
    let ignored = 0;
    for (const o of outcomes) {
      const where = `request ${o.token}`;
      assert.equal(o.body.token, o.token, `${where}: its own answer`);
      if (o.ignored) {
        ignored++;
        assert.equal(o.id, undefined, `${where}: an ignored request gets no header`);
        for (const read of o.body.reads) assert.equal(read, null, `${where}: an ignored request has no ID, not the previous one on its connection`);
        for (const d of o.body.downstream) assert.equal(d.received, null, `${where}: an ignored request sends no ID downstream`);
        assert.equal(finishSeen.get(o.token), undefined, `${where}: nor in its 'finish' listener`);
        continue;
      }
      const id = o.id!;
      if (o.sent !== undefined && !o.sent.includes(' ')) assert.equal(id, o.sent, `${where}: a valid incoming ID is kept`);
      else assert.match(id, UUID_V4, `${where}: generated`);
      assert.ok(!ids.has(id), `${where}: ${id} belongs to one request only`);
      ids.add(id);
      for (const read of o.body.reads) assert.equal(read, id, `${where}: getRequestId() in every async step`);
      assert.equal(finishSeen.get(o.token), id, `${where}: getRequestId() in the response's 'finish' listener`);
      for (const d of o.body.downstream) {
        assert.equal(d.received, id, `${where}: the outgoing header`);
        assert.equal(d.seen, id, `${where}: the downstream service works under the same ID`);
      }
      const fan = Number(o.token) % 4;
      if (fan === 1 || fan === 3) {
        expectedBSpans.set(`/b/${o.token}/http`, id);
        expectedClientSpans.set(`/b/${o.token}/http`, id);
      }
      if (fan === 2 || fan === 3) {
        expectedBSpans.set(`/b/${o.token}/fetch`, id);
        expectedClientSpans.set(`/b/${o.token}/fetch`, id);
      }
    }
    assert.ok(ignored > 100, `${ignored} ignored requests interleaved`);

    // Spans: A's SERVER span, B's SERVER spans and A's CLIENT spans all carry the request's own ID.
    const deadline = Date.now() + 5000;
    const serverCount = N - ignored + expectedBSpans.size;
    while (finishedSpans(SpanKind.SERVER).length < serverCount + ignored && Date.now() < deadline) await pause(10);
    const aSpans = new Map<string, ReadableSpan>();
    const bSpans = new Map<string, ReadableSpan>();
    for (const span of finishedSpans(SpanKind.SERVER)) {
      const path = pathOf(span);
      if (path.startsWith('/a/')) aSpans.set(path.slice(3), span);
      if (path.startsWith('/b/')) bSpans.set(path, span);
      if (path.startsWith('/healthz/')) assert.equal(span.attributes['request.id'], undefined, `${path}: no ID on an ignored request's span`);
    }
    for (const o of outcomes.filter((x) => !x.ignored)) {
      const span = aSpans.get(o.token);
      assert.ok(span, `request ${o.token}: its SERVER span`);
      assert.equal(span.attributes['request.id'], o.id, `request ${o.token}: request.id on its SERVER span`);
    }
    for (const [path, id] of expectedBSpans) assert.equal(bSpans.get(path)?.attributes['request.id'], id, `${path}: downstream SERVER span`);
    const clientIds = new Map<string, unknown>();
    for (const span of finishedSpans(SpanKind.CLIENT)) clientIds.set(pathOf(span), span.attributes['request.id']);
    for (const [path, id] of expectedClientSpans) assert.equal(clientIds.get(path), id, `${path}: CLIENT span`);
    assert.deepEqual(diagLines.filter((l) => l.level !== 'info'), []);
  });

  describe('body-parsing frameworks: getRequestId() after the JSON body is parsed', () => {
    const N = 300;

    /** N concurrent JSON POSTs with bodies arriving in chunks, keep-alive; then pipelined ones. */
    async function hammer(port: number, downstream: TestServer): Promise<void> {
      const url = `http://127.0.0.1:${port}/orders`;
      const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
      const ids = new Set<string>();
      try {
        const results = await pool(N, N, (i) =>
          untraced(() =>
            postJsonInChunks(url, { n: i, downstream: `${downstream.url}/b/${i}`, pad: 'x'.repeat(randomMs(4000)) }, agent, i % 2 === 0 ? { 'x-request-id': `order-${i}` } : {}),
          ),
        );
        results.forEach((r, i) => {
          const where = `request ${i}`;
          assert.equal(r.status, 200, `${where}: ${JSON.stringify(r.body)}`);
          if (i % 2 === 0) assert.equal(r.id, `order-${i}`);
          else assert.match(r.id, UUID_V4);
          assert.equal(r.body.n, i, `${where}: its own body`);
          assert.deepEqual(r.body.seen, [r.id, r.id, r.id], `${where}: before and after the body was parsed, and after an await`);
          assert.deepEqual(r.body.downstream, { received: r.id, seen: r.id }, `${where}: the call made after parsing carries the ID`);
          assert.equal(r.body.finishSeen, undefined);
          ids.add(r.id);
        });
        assert.equal(ids.size, N);
      } finally {
        agent.destroy();
      }
      // Pipelined: each response queues behind the previous one on the connection.
      const connection = new RawConnection(port);
      try {
        const bodies = Array.from({ length: 6 }, (_, k) => JSON.stringify({ n: 1000 + k, downstream: `${downstream.url}/b/p${k}` }));
        const responses = await connection.sendPipelined(
          bodies.map(
            (body, k) =>
              `POST /orders HTTP/1.1\r\nHost: a\r\nX-Request-Id: piped-${k}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
          ),
        );
        responses.forEach((res, k) => {
          assert.equal(res.status, 200);
          assert.equal(headerValues(res, 'x-request-id')[0], `piped-${k}`);
          const body = JSON.parse(res.body);
          assert.equal(body.n, 1000 + k);
          assert.deepEqual(body.seen, [`piped-${k}`, `piped-${k}`, `piped-${k}`]);
          assert.equal(body.downstream.received, `piped-${k}`);
        });
      } finally {
        connection.close();
      }
    }

    it(`express 5 with express.json(): ${N} concurrent chunked JSON bodies, then pipelined ones`, async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const express = require('express') as typeof import('express');
      const b = await startDownstream();
      const app = express();
      app.use((req, _res, next) => {
        (req as unknown as { seenBefore: string | undefined }).seenBefore = getRequestId();
        next();
      });
      app.use(express.json({ limit: '1mb' }));
      app.post('/orders', async (req, res) => {
        const afterParse = getRequestId();
        await pause(randomMs(5));
        const afterAwait = getRequestId();
        const downstream = (await httpJson(req.body.downstream)).body;
        res.json({ n: req.body.n, seen: [(req as unknown as { seenBefore: string }).seenBefore, afterParse, afterAwait], downstream });
      });
      const server = await serve(app);
      await hammer(server.port, b);
    });

    it(`fastify 5 JSON route: ${N} concurrent chunked JSON bodies, then pipelined ones; hooks included`, async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const Fastify = require('fastify') as typeof import('fastify').default;
      const b = await startDownstream();
      const app = Fastify();
      const onResponseSeen: { expected: string | undefined; seen: string | undefined }[] = [];
      app.addHook('onRequest', async (req) => {
        (req as unknown as { seenBefore: string | undefined }).seenBefore = getRequestId();
      });
      app.addHook('preHandler', async () => {
        await pause(randomMs(3));
      });
      app.addHook('onResponse', async (_req, reply) => {
        onResponseSeen.push({ expected: reply.getHeader('x-request-id') as string | undefined, seen: getRequestId() });
      });
      app.post<{ Body: { n: number; downstream: string } }>('/orders', async (req) => {
        const afterParse = getRequestId();
        await pause(randomMs(5));
        const afterAwait = getRequestId();
        const downstream = (await httpJson(req.body.downstream)).body;
        return { n: req.body.n, seen: [(req as unknown as { seenBefore: string }).seenBefore, afterParse, afterAwait], downstream };
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      try {
        await hammer((app.server.address() as AddressInfo).port, b);
        assert.equal(onResponseSeen.length, N + 6);
        for (const { expected, seen } of onResponseSeen) assert.equal(seen, expected, "fastify's onResponse hook sees its own request's ID");
      } finally {
        await app.close();
      }
    });
  });
});
