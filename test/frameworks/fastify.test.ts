import './setup';
import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { SpanKind } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { getRequestId, RequestIdInstrumentation } from '../../src';
import { resetSpans, waitForSpans } from '../support/otel';
import { eventually, fastifyOtel, spansOf, traceOf } from './setup';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('fastify 5 (with @fastify/otel)', () => {
  let inst: RequestIdInstrumentation;
  const apps: FastifyInstance[] = [];
  let logLines: Record<string, unknown>[] = [];

  /** `options` are fastify's own; `stream` captures fastify's pino logger output. */
  async function start(options: Record<string, unknown> = {}): Promise<string> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fastify = require('fastify') as typeof import('fastify').default;
    const stream = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    const app = fastify({ logger: { level: 'info', stream }, ...options });
    apps.push(app);
    await app.register(fastifyOtel.plugin());
    app.addHook('onRequest', async (request) => {
      request.log.info({ hookSaw: getRequestId() ?? null }, 'onRequest hook');
    });
    app.post('/orders', async (request, reply) => {
      await new Promise((r) => setTimeout(r, 5));
      request.log.info('creating order');
      reply.code(201);
      return { requestId: getRequestId(), fastifyId: request.id, body: request.body };
    });
    app.get('/boom', async () => {
      throw new Error('boom');
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address() as import('node:net').AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  function post(url: string, headers: Record<string, string> = {}) {
    return fetch(`${url}/orders`, { method: 'POST', body: JSON.stringify({ item: 7 }), headers: { 'content-type': 'application/json', ...headers } });
  }

  before(() => {
    inst = new RequestIdInstrumentation();
  });
  after(async () => {
    inst.disable();
    for (const app of apps) await app.close();
  });
  beforeEach(() => {
    resetSpans();
    logLines = [];
  });

  it('echoes the ID; getRequestId() in hooks and handlers (after body parsing and await) is that ID', async () => {
    const url = await start();
    const res = await post(url);
    const id = res.headers.get('x-request-id')!;
    assert.equal(res.status, 201);
    assert.match(id, UUID_V4);
    const body = (await res.json()) as { requestId?: string; fastifyId: string; body: unknown };
    assert.equal(body.requestId, id);
    assert.deepEqual(body.body, { item: 7 });
    assert.equal(logLines.find((l) => l.msg === 'onRequest hook')?.hookSaw, id);
    // Without genReqId, fastify has a second, unrelated ID of its own: the thing to avoid.
    assert.equal(body.fastifyId, 'req-1');
  });

  it('one ID, not two: genReqId: () => getRequestId() makes request.id and every request.log line (reqId) ours', async () => {
    const url = await start({ genReqId: () => getRequestId() ?? randomUUID() });
    const res = await post(url, { 'X-Request-Id': 'ticket-4711' });
    const body = (await res.json()) as { requestId?: string; fastifyId: string; body: unknown };
    assert.equal(res.headers.get('x-request-id'), 'ticket-4711');
    assert.equal(body.requestId, 'ticket-4711');
    assert.equal(body.fastifyId, 'ticket-4711');
    const requestLines = logLines.filter((l) => l.reqId !== undefined);
    assert.ok(requestLines.length >= 4, 'incoming request, hook, handler, request completed');
    for (const line of requestLines) assert.equal(line.reqId, 'ticket-4711', String(line.msg));
  });

  it('requestIdHeader instead of genReqId gives two IDs when ours rejects the incoming value', async () => {
    const url = await start({ requestIdHeader: 'x-request-id' });
    const res = await post(url, { 'X-Request-Id': 'has spaces; not valid' });
    const body = (await res.json()) as { requestId?: string; fastifyId: string; body: unknown };
    assert.match(res.headers.get('x-request-id')!, UUID_V4);
    assert.equal(body.requestId, res.headers.get('x-request-id'));
    assert.equal(body.fastifyId, 'has spaces; not valid', "fastify trusts the raw header: a second ID that is in no span or response");
  });

  it("error responses keep the echo (fastify's default error handler and 404 handler)", async () => {
    const url = await start({ genReqId: () => getRequestId() ?? randomUUID() });
    const boom = await fetch(`${url}/boom`);
    assert.equal(boom.status, 500);
    const id = boom.headers.get('x-request-id')!;
    assert.match(id, UUID_V4);
    await boom.text();
    const errorLine = logLines.find((l) => l.level === 50);
    assert.equal(errorLine?.reqId, id, "fastify's own error log line carries the ID");
    const notFound = await fetch(`${url}/nowhere`);
    assert.equal(notFound.status, 404);
    assert.match(notFound.headers.get('x-request-id') ?? '', UUID_V4);
    await notFound.text();
  });

  it("@fastify/otel's spans (request, hooks, handler) carry request.id, as does the SERVER span", async () => {
    const url = await start();
    const res = await post(url);
    const id = res.headers.get('x-request-id')!;
    await res.text();
    await waitForSpans(SpanKind.SERVER, 1);
    const traceId = await eventually(() => traceOf(id));
    const spans = await eventually(() => spansOf('@fastify/otel', traceId));
    assert.ok(spans.length >= 2, `fastify spans: ${spans.map((s) => s.name).join(', ')}`);
    for (const span of spans) assert.equal(span.attributes['request.id'], id, span.name);
  });
});
