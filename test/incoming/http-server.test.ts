import '../support/otel';
import * as assert from 'node:assert/strict';
import { AsyncResource } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { propagation, SpanKind, type TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator } from '@opentelemetry/core';
import { getRequestId, RequestIdPropagator, type RequestIdInstrumentationConfig } from '../../src';
import { get, headerCount, type TestServer } from '../support/http';
import { diagLines, finishedSpans, httpInstrumentation, waitForSpans } from '../support/otel';
import { useTestScope } from '../support/scope';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('RequestIdInstrumentation on incoming requests', () => {
  const scope = useTestScope();
  const instrument = scope.instrument;
  const serve = (handler: RequestListener = echoRequestId): Promise<TestServer> => scope.serve(handler);

  /** Answers with what getRequestId() saw inside the handler. */
  function echoRequestId(_req: IncomingMessage, res: ServerResponse): void {
    res.end(JSON.stringify({ seen: getRequestId() ?? null }));
  }

  async function serverSpanAttributes(): Promise<Record<string, unknown>> {
    const [span] = await waitForSpans(SpanKind.SERVER, 1);
    assert.ok(span, 'HttpInstrumentation produced a SERVER span');
    return span.attributes;
  }

  describe('behaviour (the APISIX baseline)', () => {
    it('no header: generates a uuid, echoes it, records it on the SERVER span and in context', async () => {
      instrument();
      const { url } = await serve();
      const res = await get(url);
      const id = res.headers['x-request-id'] as string;
      assert.match(id, UUID_V4);
      assert.equal(JSON.parse(res.body).seen, id);
      const attrs = await serverSpanAttributes();
      assert.equal(attrs['request.id'], id);
      assert.equal(typeof attrs['request.id'], 'string', 'a plain string, not an array, so Jaeger tag search finds it');
      assert.equal(attrs['request.id.original'], undefined);
    });

    it("empty header (curl -H 'X-Request-Id;'): treated as absent and generated", async () => {
      instrument();
      const { url } = await serve();
      const res = await get(url, { 'X-Request-Id': '' });
      assert.match(res.headers['x-request-id'] as string, UUID_V4);
      assert.equal((await serverSpanAttributes())['request.id.original'], undefined);
    });

    it('valid incoming header: reused verbatim, echoed and recorded', async () => {
      instrument();
      const { url } = await serve();
      const res = await get(url, { 'X-Request-Id': 'some-custom-request-id' });
      assert.equal(res.headers['x-request-id'], 'some-custom-request-id');
      assert.equal(JSON.parse(res.body).seen, 'some-custom-request-id');
      assert.equal((await serverSpanAttributes())['request.id'], 'some-custom-request-id');
    });

    it('matches the header name case-insensitively', async () => {
      instrument({ headerName: 'X-Req-Identifier' });
      const { url } = await serve();
      const res = await get(url, { 'x-REQ-identifier': 'abc-123' });
      assert.equal(res.headers['x-req-identifier'], 'abc-123');
    });

    it('custom header name: read from it and echoed in it (APISIX "custom response header")', async () => {
      instrument({ headerName: 'X-Req-Identifier' });
      const { url } = await serve();
      const generated = await get(url, { 'X-Request-Id': 'ignored-header' });
      assert.match(generated.headers['x-req-identifier'] as string, UUID_V4);
      assert.equal(generated.headers['x-request-id'], undefined);
      const reused = await get(url, { 'X-Req-Identifier': 'from-client' });
      assert.equal(reused.headers['x-req-identifier'], 'from-client');
    });

    it('includeInResponse: false hides the ID from the response but keeps it on the span and in context', async () => {
      instrument({ headerName: 'X-Req-Identifier', includeInResponse: false });
      const { url } = await serve();
      const res = await get(url);
      assert.equal(res.headers['x-req-identifier'], undefined);
      const seen = JSON.parse(res.body).seen as string;
      assert.match(seen, UUID_V4);
      assert.equal((await serverSpanAttributes())['request.id'], seen);
    });
  });

  describe('invalid incoming IDs', () => {
    const cases: [string, Record<string, string | string[]>, string][] = [
      ['too long (201 characters)', { 'X-Request-Id': 'a'.repeat(201) }, 'a'.repeat(201)],
      ['characters outside the allowed set', { 'X-Request-Id': '<script>alert(1)</script>' }, '<script>alert(1)</script>'],
      ['a log-injection attempt with a space', { 'X-Request-Id': 'abc level=error msg=forged' }, 'abc level=error msg=forged'],
      ['several values', { 'X-Request-Id': ['first-id', 'second-id'] }, 'first-id, second-id'],
      ['a non-ASCII value', { 'X-Request-Id': 'caf\u00e9-id' }, 'caf\\xe9-id'],
    ];
    for (const [name, headers, original] of cases) {
      it(`${name}: never reused nor echoed raw; a fresh ID, and the client's value kept safe in request.id.original`, async () => {
        instrument();
        const { url } = await serve();
        const res = await get(url, headers);
        assert.equal(res.status, 200);
        assert.equal(headerCount(res, 'x-request-id'), 1);
        const id = res.headers['x-request-id'] as string;
        assert.match(id, UUID_V4);
        const attrs = await serverSpanAttributes();
        assert.equal(attrs['request.id'], id);
        assert.equal(attrs['request.id.original'], original);
      });
    }

    it('escapes control characters and cuts the kept value to 256 characters', async () => {
      instrument();
      const { url } = await serve();
      await get(url, { 'X-Request-Id': 'id\t' + 'x'.repeat(400) });
      const original = (await serverSpanAttributes())['request.id.original'] as string;
      assert.equal(original.length, 256);
      assert.ok(original.startsWith('id\\x09xxx'), original.slice(0, 10));
    });

    it('limits are configurable: a longer maxLength and a stricter pattern', async () => {
      instrument({ validation: { maxLength: 300, pattern: /^[a-f0-9-]+$/ } });
      const { url } = await serve();
      const long = 'a'.repeat(250);
      assert.equal((await get(url, { 'X-Request-Id': long })).headers['x-request-id'], long);
      const rejected = await get(url, { 'X-Request-Id': 'xyz_123' });
      assert.match(rejected.headers['x-request-id'] as string, UUID_V4);
    });

    it('throws at construction when the chosen algorithm cannot pass the validation', () => {
      assert.throws(
        () => instrument({ algorithm: 'ksuid', validation: { pattern: /^[0-9a-f-]+$/ } }),
        /invalid option `algorithm`: got "ksuid"; expected an algorithm whose IDs pass `validation`/,
      );
    });

    it('minLength rejects short IDs', async () => {
      instrument({ validation: { minLength: 20 } });
      const { url } = await serve();
      assert.match((await get(url, { 'X-Request-Id': 'short' })).headers['x-request-id'] as string, UUID_V4);
      assert.equal((await get(url, { 'X-Request-Id': 'x'.repeat(20) })).headers['x-request-id'], 'x'.repeat(20));
    });

    it('several values are refused even when the pattern allows commas and spaces', async () => {
      instrument({ validation: { pattern: /^[a-z0-9, -]+$/ } });
      const { url } = await serve();
      const res = await get(url, { 'X-Request-Id': ['one', 'two'] });
      assert.notEqual(res.headers['x-request-id'], 'one, two');
      assert.equal((await get(url, { 'X-Request-Id': 'one, two' })).headers['x-request-id'], 'one, two');
    });
  });

  describe('echo on every response', () => {
    it('404', async () => {
      instrument();
      const { url } = await serve((_req, res) => {
        res.statusCode = 404;
        res.end('not found');
      });
      const res = await get(url);
      assert.equal(res.status, 404);
      assert.match(res.headers['x-request-id'] as string, UUID_V4);
    });

    it('500 from a throwing handler (express)', async () => {
      instrument();
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const express = require('express') as typeof import('express');
      const app = express();
      const boom = new Error('boom');
      app.get('/', () => {
        throw boom;
      });
      // Express's default handler reports the error with console.error (in a setImmediate): take
      // that report here and check it is our error, instead of printing its stack in a passing run.
      const reported: unknown[][] = [];
      const consoleError = console.error;
      console.error = (...args: unknown[]) => void reported.push(args);
      try {
        const { url } = await serve(app);
        const res = await get(url);
        assert.equal(res.status, 500);
        assert.match(res.headers['x-request-id'] as string, UUID_V4);
        for (let i = 0; reported.length === 0 && i < 100; i++) await new Promise((r) => setTimeout(r, 10));
      } finally {
        console.error = consoleError;
      }
      assert.deepEqual(reported, [[boom]]);
    });

    it('writeHead called early with its own headers', async () => {
      instrument();
      const { url } = await serve((_req, res) => {
        res.writeHead(201, { 'content-type': 'text/plain' });
        res.end('created');
      });
      const res = await get(url, { 'X-Request-Id': 'early-head' });
      assert.equal(res.status, 201);
      assert.equal(res.headers['x-request-id'], 'early-head');
    });

    it('streamed bodies', async () => {
      instrument();
      const { url } = await serve((_req, res) => {
        res.write('a');
        setTimeout(() => res.end('b'), 5);
      });
      const res = await get(url);
      assert.equal(res.body, 'ab');
      assert.match(res.headers['x-request-id'] as string, UUID_V4);
    });

    it("the app's own value stands, with setHeader or writeHead", async () => {
      instrument();
      const viaSet = await serve((_req, res) => {
        res.setHeader('X-Request-Id', 'set-by-app');
        res.end();
      });
      const viaHead = await serve((_req, res) => {
        res.writeHead(200, { 'X-Request-Id': 'head-by-app' });
        res.end();
      });
      const a = await get(viaSet.url);
      const b = await get(viaHead.url);
      assert.equal(a.headers['x-request-id'], 'set-by-app');
      assert.equal(headerCount(a, 'x-request-id'), 1);
      assert.equal(b.headers['x-request-id'], 'head-by-app');
      assert.equal(headerCount(b, 'x-request-id'), 1);
    });
  });

  describe('global and per-route rules', () => {
    it('a global rule and a route rule with different headers give two IDs in two headers (APISIX example)', async () => {
      instrument({ headerName: 'Global-Request-ID', rules: [{ match: '/anything', headerName: 'Route-Request-ID' }] });
      const { url } = await serve((_req, res) => res.end(JSON.stringify({ primary: getRequestId(), route: getRequestId('route-request-id') })));
      const res = await get(`${url}/anything?x=1`);
      const globalId = res.headers['global-request-id'] as string;
      const routeId = res.headers['route-request-id'] as string;
      assert.match(globalId, UUID_V4);
      assert.match(routeId, UUID_V4);
      assert.notEqual(globalId, routeId);
      assert.deepEqual(JSON.parse(res.body), { primary: globalId, route: routeId });
      const attrs = await serverSpanAttributes();
      assert.equal(attrs['request.id'], globalId);
      assert.equal(attrs['request.id.route-request-id'], routeId);

      const other = await get(`${url}/other`);
      assert.match(other.headers['global-request-id'] as string, UUID_V4);
      assert.equal(other.headers['route-request-id'], undefined);
    });

    it('route prefixes match whole segments; RegExp and function matchers work', async () => {
      instrument({
        rules: [
          { match: '/api', headerName: 'X-Api-Id', algorithm: 'nanoid' },
          { match: /^\/v\d+\//, headerName: 'X-Version-Id', algorithm: 'ksuid' },
          { match: (req) => req.method === 'POST', headerName: 'X-Post-Id', includeInResponse: true },
        ],
      });
      const { url } = await serve();
      const api = await get(`${url}/api/users`);
      assert.match(api.headers['x-api-id'] as string, /^[A-Za-z0-9_-]{21}$/);
      assert.equal((await get(`${url}/apix`)).headers['x-api-id'], undefined);
      assert.match((await get(`${url}/v2/items`)).headers['x-version-id'] as string, /^[0-9A-Za-z]{27}$/);
      const post = await get(url, {}, 'POST');
      assert.match(post.headers['x-post-id'] as string, UUID_V4);
      assert.match(post.headers['x-request-id'] as string, UUID_V4);
    });

    it('a route rule on the global header replaces the global settings for that route: one ID', async () => {
      instrument({ rules: [{ match: '/short', algorithm: 'range_id', rangeId: { length: 8 } }] });
      const { url } = await serve();
      const res = await get(`${url}/short`);
      assert.equal(headerCount(res, 'x-request-id'), 1);
      assert.match(res.headers['x-request-id'] as string, /^[A-Za-z0-9]{8}$/);
      assert.match((await get(`${url}/long`)).headers['x-request-id'] as string, UUID_V4);
    });

    it('ignore leaves health checks untouched: no header, no attribute, no context', async () => {
      instrument({ ignore: ['/healthz', /^\/metrics$/] });
      const { url } = await serve();
      const health = await get(`${url}/healthz`, { 'X-Request-Id': 'probe' });
      assert.equal(health.headers['x-request-id'], undefined);
      assert.equal(JSON.parse(health.body).seen, null);
      assert.equal((await get(`${url}/metrics`)).headers['x-request-id'], undefined);
      const attrs = await serverSpanAttributes();
      assert.equal(attrs['request.id'], undefined);
      assert.match((await get(`${url}/healthzz`)).headers['x-request-id'] as string, UUID_V4);
    });
  });

  describe('idempotence', () => {
    it('two instances with the same header give one ID, echoed once', async () => {
      instrument();
      instrument({ algorithm: 'nanoid' });
      const { url } = await serve();
      const res = await get(url);
      assert.equal(headerCount(res, 'x-request-id'), 1);
      const id = res.headers['x-request-id'] as string;
      assert.match(id, UUID_V4, 'the first instance assigned it');
      assert.equal(JSON.parse(res.body).seen, id);
      assert.equal((await serverSpanAttributes())['request.id'], id);
    });

    it('a server that hands its requests to a nested server gives one ID', async () => {
      instrument();
      const inner = await serve(echoRequestId);
      const outer = await serve((req, res) => inner.server.emit('request', req, res));
      const res = await get(outer.url);
      assert.equal(headerCount(res, 'x-request-id'), 1);
      const id = res.headers['x-request-id'] as string;
      assert.match(id, UUID_V4);
      // The nested emit starts a fresh OTel context; with RequestIdPropagator registered (register
      // and withRequestId do it) HttpInstrumentation's extract brings the same state into it.
      const original = (propagation as unknown as { _getGlobalPropagator(): TextMapPropagator })._getGlobalPropagator();
      try {
        propagation.disable();
        propagation.setGlobalPropagator(new CompositePropagator({ propagators: [original, new RequestIdPropagator()] }));
        const again = await get(outer.url);
        assert.equal(headerCount(again, 'x-request-id'), 1);
        assert.equal(JSON.parse(again.body).seen, again.headers['x-request-id']);
      } finally {
        propagation.disable();
        propagation.setGlobalPropagator(original);
      }
    });

    it('disable() stops assigning IDs; enable() resumes', async () => {
      const inst = instrument();
      const { url } = await serve();
      inst.disable();
      assert.equal((await get(url)).headers['x-request-id'], undefined);
      inst.enable();
      assert.match((await get(url)).headers['x-request-id'] as string, UUID_V4);
    });
  });

  describe('algorithms', () => {
    const formats: [RequestIdInstrumentationConfig['algorithm'], RegExp][] = [
      ['uuid', UUID_V4],
      ['uuidv7', /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/],
      ['nanoid', /^[A-Za-z0-9_-]{21}$/],
      ['range_id', /^[A-Za-z0-9]{16}$/],
      ['ksuid', /^[0-9A-Za-z]{27}$/],
    ];
    for (const [algorithm, format] of formats) {
      it(`algorithm '${String(algorithm)}' generates IDs of its format`, async () => {
        instrument({ algorithm });
        const { url } = await serve();
        const ids = new Set<string>();
        for (let i = 0; i < 5; i++) {
          const id = (await get(url)).headers['x-request-id'] as string;
          assert.match(id, format);
          ids.add(id);
        }
        assert.equal(ids.size, 5);
      });
    }

    it('range_id takes its char set and length', async () => {
      instrument({ algorithm: 'range_id', rangeId: { charSet: '0123456789', length: 10 } });
      const { url } = await serve();
      assert.match((await get(url)).headers['x-request-id'] as string, /^[0-9]{10}$/);
    });

    it('a user function is used when it returns a valid ID', async () => {
      let n = 0;
      instrument({ algorithm: () => `req-${++n}` });
      const { url } = await serve();
      assert.equal((await get(url)).headers['x-request-id'], 'req-1');
      assert.equal((await get(url)).headers['x-request-id'], 'req-2');
    });

    it('a throwing user function falls back to uuid, reported once through diag', async () => {
      instrument({
        algorithm: () => {
          throw new Error('generator down');
        },
      });
      const { url } = await serve();
      for (let i = 0; i < 3; i++) assert.match((await get(url)).headers['x-request-id'] as string, UUID_V4);
      const reports = diagLines.filter((l) => l.message.includes('generator down'));
      assert.equal(reports.length, 1);
      assert.equal(reports[0].level, 'error');
    });

    it('a user function returning garbage falls back to uuid, reported once', async () => {
      const values: unknown[] = ['bad value\r\nX-Evil: 1', 42, ''];
      instrument({ algorithm: (() => values.shift()) as () => string });
      const { url } = await serve();
      for (let i = 0; i < 3; i++) assert.match((await get(url)).headers['x-request-id'] as string, UUID_V4);
      assert.equal(diagLines.filter((l) => l.message.includes('fails `validation`')).length, 1);
    });
  });

  describe('trustIncoming', () => {
    it('false: every request gets a fresh ID; the client value is kept in request.id.original', async () => {
      instrument({ trustIncoming: false });
      const { url } = await serve();
      const res = await get(url, { 'X-Request-Id': 'client-id' });
      assert.match(res.headers['x-request-id'] as string, UUID_V4);
      assert.equal((await serverSpanAttributes())['request.id.original'], 'client-id');
    });

    it('a list of CIDRs and addresses: trusted peers are reused, others are not', async () => {
      const first = instrument({ trustIncoming: ['127.0.0.0/8'] });
      const trusted = await serve();
      assert.equal((await get(trusted.url, { 'X-Request-Id': 'from-proxy' })).headers['x-request-id'], 'from-proxy');
      first.disable();
      instrument({ trustIncoming: ['10.0.0.0/8', '::1'] });
      assert.match((await get(trusted.url, { 'X-Request-Id': 'from-proxy' })).headers['x-request-id'] as string, UUID_V4);
    });

    it('a function decides per request; a throwing one means untrusted, reported once', async () => {
      const byHeader = instrument({ trustIncoming: (req) => req.headers['x-internal'] === 'yes' });
      const { url } = await serve();
      assert.equal((await get(url, { 'X-Request-Id': 'kept', 'X-Internal': 'yes' })).headers['x-request-id'], 'kept');
      assert.match((await get(url, { 'X-Request-Id': 'dropped' })).headers['x-request-id'] as string, UUID_V4);
      byHeader.disable();
      instrument({
        trustIncoming: () => {
          throw new Error('trust check down');
        },
      });
      for (let i = 0; i < 2; i++) {
        const res = await get(url, { 'X-Request-Id': 'dropped' });
        assert.equal(res.status, 200);
        assert.match(res.headers['x-request-id'] as string, UUID_V4);
      }
      assert.equal(diagLines.filter((l) => l.message.includes('trust check down')).length, 1);
    });
  });

  describe('failures inside the instrumentation', () => {
    it('a throwing ignore function: the request is served with an ID, reported once', async () => {
      instrument({
        ignore: () => {
          throw new Error('ignore hook down');
        },
      });
      const { url } = await serve();
      for (let i = 0; i < 3; i++) {
        const res = await get(url);
        assert.equal(res.status, 200);
        assert.match(res.headers['x-request-id'] as string, UUID_V4);
      }
      assert.equal(diagLines.filter((l) => l.message.includes('ignore hook down')).length, 1);
    });

    it('a throwing route matcher: the request is served with the global ID', async () => {
      instrument({
        rules: [
          {
            match: () => {
              throw new Error('matcher down');
            },
            headerName: 'X-Other',
          },
        ],
      });
      const { url } = await serve();
      const res = await get(url);
      assert.equal(res.status, 200);
      assert.match(res.headers['x-request-id'] as string, UUID_V4);
      assert.equal(res.headers['x-other'], undefined);
    });
  });

  describe('getRequestId() across async work', () => {
    it('after await, in timers, promise chains, nextTick, event emitters and bound callbacks; undefined outside', async () => {
      instrument();
      const bus = new EventEmitter();
      const { url } = await serve(async (_req, res) => {
        const seen: Record<string, string | undefined> = { sync: getRequestId() };
        await new Promise((r) => setImmediate(r));
        seen.await = getRequestId();
        seen.timer = await new Promise((r) => setTimeout(() => r(getRequestId()), 2));
        seen.chain = await Promise.resolve().then(() => Promise.resolve()).then(() => getRequestId());
        seen.tick = await new Promise((r) => process.nextTick(() => r(getRequestId())));
        // A framework that binds a callback now and calls it later from elsewhere.
        const bound = AsyncResource.bind(() => getRequestId());
        seen.bound = await new Promise((r) => setTimeout(() => r(bound()), 1));
        seen.emitter = await new Promise((r) => {
          bus.once('go', () => r(getRequestId()));
          setTimeout(() => bus.emit('go'), 1);
        });
        res.end(JSON.stringify(seen));
      });
      const res = await get(url, { 'X-Request-Id': 'async-work' });
      const seen = JSON.parse(res.body) as Record<string, string>;
      for (const [where, value] of Object.entries(seen)) assert.equal(value, 'async-work', where);
      assert.equal(getRequestId(), undefined);
    });

    it('reads the request body with the ID still in context (body parsing)', async () => {
      instrument();
      const { url } = await serve((req, res) => {
        const chunks: string[] = [];
        req.setEncoding('utf8');
        req.on('data', (c: string) => chunks.push(c));
        req.on('end', () => res.end(JSON.stringify({ seen: getRequestId(), body: chunks.join('') })));
      });
      const res = await get(url, { 'X-Request-Id': 'with-body' }, 'POST');
      assert.equal(JSON.parse(res.body).seen, 'with-body');
    });

    it('a request HttpInstrumentation ignores (no SERVER span, no RPC metadata) still has its ID in its async work', async () => {
      instrument();
      const previous = httpInstrumentation.getConfig();
      httpInstrumentation.setConfig({ ...previous, ignoreIncomingRequestHook: (req) => req.url === '/skip' });
      try {
        const { url } = await serve(async (_req, res) => {
          const sync = getRequestId();
          await new Promise((r) => setTimeout(r, 1));
          res.end(JSON.stringify({ sync, later: getRequestId() }));
        });
        const res = await get(`${url}/skip`, { 'X-Request-Id': 'ignored-by-otel' });
        assert.deepEqual(JSON.parse(res.body), { sync: 'ignored-by-otel', later: 'ignored-by-otel' });
        assert.equal(res.headers['x-request-id'], 'ignored-by-otel');
        // The next request on a traced path is unaffected by the store the ignored one entered.
        const traced = await get(url);
        assert.equal(JSON.parse(traced.body).later, traced.headers['x-request-id']);
        assert.equal(finishedSpans(SpanKind.SERVER).length, 1, 'only the traced request has a SERVER span');
      } finally {
        httpInstrumentation.setConfig(previous);
      }
    });

    it("'Expect: 100-continue' answered by a 'checkContinue' listener sees the ID there", async () => {
      instrument();
      const { server, url } = await serve(echoRequestId);
      server.on('checkContinue', async (req: IncomingMessage, res: ServerResponse) => {
        // In the handler and its own continuations (body events come from the socket: see README).
        const sync = getRequestId();
        res.writeContinue();
        for await (const _chunk of req);
        await new Promise((r) => setImmediate(r));
        res.end(JSON.stringify({ seen: sync === getRequestId() ? sync : `${sync} then ${getRequestId()}` }));
      });
      const res = await new Promise<{ id: string; seen: unknown }>((resolve, reject) => {
        const req = http.request(url, { method: 'POST', agent: false, headers: { Expect: '100-continue', 'X-Request-Id': 'continue-1' } }, (r) => {
          let body = '';
          r.on('data', (c: Buffer) => (body += c));
          r.on('end', () => resolve({ id: r.headers['x-request-id'] as string, seen: JSON.parse(body).seen }));
        });
        req.on('continue', () => req.end('body'));
        req.on('error', reject);
      });
      assert.deepEqual(res, { id: 'continue-1', seen: 'continue-1' });
    });

    it('isolation: 200 concurrent requests with interleaved awaits each see only their own ID', async () => {
      instrument();
      const { url } = await serve(async (_req, res) => {
        const first = getRequestId();
        for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, Math.random() * 5));
        const last = getRequestId();
        res.end(JSON.stringify({ first, last }));
      });
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => get(url, i % 2 === 0 ? { 'X-Request-Id': `client-${i}` } : {})),
      );
      const echoed = new Set<string>();
      results.forEach((res, i) => {
        const id = res.headers['x-request-id'] as string;
        const { first, last } = JSON.parse(res.body);
        if (i % 2 === 0) assert.equal(id, `client-${i}`);
        assert.equal(first, id);
        assert.equal(last, id);
        echoed.add(id);
      });
      assert.equal(echoed.size, 200);
      const spans = await waitForSpans(SpanKind.SERVER, 200);
      assert.deepEqual(new Set(spans.map((s) => s.attributes['request.id'])), echoed);
    });
  });

  it('leaves the SERVER and CLIENT spans of HttpInstrumentation in place', async () => {
    instrument();
    const { url } = await serve();
    await get(url);
    await waitForSpans(SpanKind.SERVER, 1);
    assert.equal(finishedSpans(SpanKind.CLIENT).length, 1);
    assert.equal(finishedSpans(SpanKind.SERVER).length, 1);
  });
});
