import './setup';
import * as assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { SpanKind } from '@opentelemetry/api';
import { getRequestId, RequestIdInstrumentation } from '../../src';
import { resetSpans, waitForSpans } from '../support/otel';
import { eventually, send, spansOf, traceOf } from './setup';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('express 5 (with express.json() body parsing and @opentelemetry/instrumentation-express)', () => {
  let inst: RequestIdInstrumentation;
  let server: Server;
  let url: string;
  const seenInMiddleware: (string | undefined)[] = [];

  before(async () => {
    inst = new RequestIdInstrumentation();
    // Required after the instrumentations exist, as in an app whose tracing is preloaded.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const express = require('express') as typeof import('express');
    const app = express();
    app.use((_req, _res, next) => {
      seenInMiddleware.push(getRequestId());
      next();
    });
    app.use(express.json());
    app.post('/orders', async (req, res) => {
      const before = getRequestId();
      await new Promise((r) => setTimeout(r, 5));
      res.status(201).json({ before, after: getRequestId(), body: req.body });
    });
    app.get('/boom', () => {
      throw new Error('boom');
    });
    app.get('/async-boom', async () => {
      await new Promise((r) => setTimeout(r, 1));
      throw new Error('async boom');
    });
    // An error-handling middleware of the app's own sees the same ID.
    app.use((err: Error, _req: import('express').Request, res: import('express').Response, _next: import('express').NextFunction) => {
      res.status(500).json({ error: err.message, requestId: getRequestId() });
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    inst.disable();
    server.closeAllConnections();
    server.close();
  });
  beforeEach(() => {
    resetSpans();
    seenInMiddleware.length = 0;
  });

  it('echoes the ID; getRequestId() in middleware, after body parsing and after await is that ID', async () => {
    const res = await send(`${url}/orders`, 'POST', { item: 7 });
    assert.equal(res.status, 201);
    const id = res.headers.get('x-request-id')!;
    assert.match(id, UUID_V4);
    assert.deepEqual(JSON.parse(res.body), { before: id, after: id, body: { item: 7 } });
    assert.deepEqual(seenInMiddleware, [id]);
  });

  it('reuses a valid incoming ID', async () => {
    const res = await send(`${url}/orders`, 'POST', {}, { 'X-Request-Id': 'client-chose-this' });
    assert.equal(res.headers.get('x-request-id'), 'client-chose-this');
    assert.equal(JSON.parse(res.body).after, 'client-chose-this');
  });

  it('error responses keep the echo: a throwing route, an async throw, a 404, a malformed JSON body', async () => {
    for (const [path, method, body, status] of [
      ['/boom', 'GET', undefined, 500],
      ['/async-boom', 'GET', undefined, 500],
      ['/nowhere', 'GET', undefined, 404],
    ] as const) {
      const res = await fetch(url + path, { method, body });
      const id = res.headers.get('x-request-id');
      assert.equal(res.status, status, path);
      assert.match(id ?? '', UUID_V4, `${path} echoes the ID`);
      if (status === 500) assert.equal(JSON.parse(await res.text()).requestId, id);
      else await res.text();
    }
    const bad = await fetch(`${url}/orders`, { method: 'POST', body: '{not json', headers: { 'content-type': 'application/json' } });
    assert.equal(bad.status, 500); // body-parser's 400 error reaches the app's error middleware above, which answers 500
    const badBody = JSON.parse(await bad.text());
    assert.equal(badBody.requestId, bad.headers.get('x-request-id'));
  });

  it("express's own spans (middleware, request handler) carry request.id, as does the SERVER span", async () => {
    const res = await send(`${url}/orders`, 'POST', { item: 1 });
    const id = res.headers.get('x-request-id')!;
    await waitForSpans(SpanKind.SERVER, 1);
    const traceId = await eventually(() => traceOf(id));
    const spans = await eventually(() => spansOf('@opentelemetry/instrumentation-express', traceId));
    assert.ok(spans.length >= 2, `express spans: ${spans.map((s) => s.name).join(', ')}`);
    assert.ok(spans.some((s) => s.name.startsWith('request handler')), 'a request-handler span');
    for (const span of spans) assert.equal(span.attributes['request.id'], id, span.name);
  });
});
