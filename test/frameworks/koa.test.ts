import './setup';
import * as assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { SpanKind } from '@opentelemetry/api';
import { getRequestId, RequestIdInstrumentation } from '../../src';
import { resetSpans, waitForSpans } from '../support/otel';
import { eventually, spansOf, traceOf } from './setup';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('koa 3 (with @opentelemetry/instrumentation-koa)', () => {
  let inst: RequestIdInstrumentation;
  const servers: Server[] = [];
  const seenInMiddleware: (string | undefined)[] = [];

  async function start(withErrorHeaders: boolean): Promise<string> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Koa = require('koa') as typeof import('koa');
    const app = new Koa();
    app.on('error', () => undefined); // keep koa's default stderr report out of the test output
    if (withErrorHeaders) {
      // The workaround, first in the chain: koa's error handler removes every header, then sets
      // `err.headers`; put the request ID there.
      app.use(async (_ctx, next) => {
        try {
          await next();
        } catch (err) {
          const id = getRequestId();
          if (id !== undefined && err !== null && typeof err === 'object') {
            const e = err as { headers?: Record<string, string> };
            e.headers = { ...e.headers, 'X-Request-Id': id };
          }
          throw err;
        }
      });
    }
    app.use(async function recordId(_ctx, next) {
      seenInMiddleware.push(getRequestId());
      await next();
    });
    app.use(async function routes(ctx) {
      if (ctx.path === '/hello') {
        const before = getRequestId();
        await new Promise((r) => setTimeout(r, 5));
        ctx.body = { before, after: getRequestId() };
      } else if (ctx.path === '/boom') {
        throw new Error('boom');
      } else if (ctx.path === '/teapot') {
        ctx.throw(418, 'short and stout');
      }
    });
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((r) => server.once('listening', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  before(() => {
    inst = new RequestIdInstrumentation();
  });
  after(() => {
    inst.disable();
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  });
  beforeEach(() => {
    resetSpans();
    seenInMiddleware.length = 0;
  });

  it('echoes the ID; getRequestId() in middleware and after await is that ID; a 404 keeps it', async () => {
    const url = await start(false);
    const res = await fetch(`${url}/hello`);
    const id = res.headers.get('x-request-id')!;
    assert.match(id, UUID_V4);
    assert.deepEqual(await res.json(), { before: id, after: id });
    assert.deepEqual(seenInMiddleware, [id]);
    const notFound = await fetch(`${url}/nowhere`);
    assert.equal(notFound.status, 404);
    assert.match(notFound.headers.get('x-request-id') ?? '', UUID_V4);
  });

  it("KNOWN LIMITATION: koa's default error handler removes every header, so a throwing route loses the echo", async () => {
    // koa/lib/context.js onerror: `res.getHeaderNames().forEach(name => res.removeHeader(name))`,
    // then only `err.headers` are set. The ID is still on the span and in the logs; only the
    // response header is gone. If src/incoming/http-server.ts learns to restore the header at writeHead, flip this.
    const url = await start(false);
    for (const path of ['/boom', '/teapot']) {
      const res = await fetch(url + path);
      await res.text();
      assert.equal(res.status, path === '/boom' ? 500 : 418);
      assert.equal(res.headers.get('x-request-id'), null, path);
    }
  });

  it('the one-middleware workaround (err.headers) keeps the echo on thrown errors, incoming IDs included', async () => {
    const url = await start(true);
    for (const path of ['/boom', '/teapot']) {
      const res = await fetch(url + path);
      await res.text();
      assert.match(res.headers.get('x-request-id') ?? '', UUID_V4, path);
    }
    const res = await fetch(`${url}/boom`, { headers: { 'X-Request-Id': 'ticket-4711' } });
    assert.equal(res.headers.get('x-request-id'), 'ticket-4711');
    assert.equal(res.status, 500);
  });

  it("koa's own middleware spans carry request.id, as does the SERVER span", async () => {
    const url = await start(false);
    const res = await fetch(`${url}/hello`);
    const id = res.headers.get('x-request-id')!;
    await res.text();
    await waitForSpans(SpanKind.SERVER, 1);
    const traceId = await eventually(() => traceOf(id));
    const spans = await eventually(() => spansOf('@opentelemetry/instrumentation-koa', traceId));
    assert.ok(spans.length >= 2, `koa spans: ${spans.map((s) => s.name).join(', ')}`);
    for (const span of spans) assert.equal(span.attributes['request.id'], id, span.name);
  });
});
