import '../support/otel';
import * as assert from 'node:assert/strict';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { context, propagation, ROOT_CONTEXT, SpanKind, trace, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  getRequestId,
  RequestIdPropagator,
  runWithRequestId,
  type RequestIdInstrumentationConfig,
} from '../../src';
import { get, type TestServer } from '../support/http';
import { finishedSpans, waitForSpans } from '../support/otel';
import { useTestScope } from '../support/scope';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const root = join(__dirname, '..', '..');

/** GETs `url` with `http.request` and resolves the body as JSON. */
function httpJson(url: string, headers?: http.OutgoingHttpHeaders): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve(JSON.parse(body)));
    });
    req.on('error', reject);
    req.end();
  });
}

/** fetches `url` and resolves the body as JSON. */
async function fetchJson(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
  return (await (await fetch(url, init)).json()) as Record<string, unknown>;
}

/** Reports the request-ID header it received and what getRequestId() saw. */
function reportReceived(req: http.IncomingMessage, res: http.ServerResponse): void {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ received: req.headers['x-request-id'] ?? null, seen: getRequestId() ?? null }));
}

interface ChildService {
  url: string;
  spans: { name: string; kind: number; traceId: string; attributes: Record<string, unknown> }[];
  stop(): Promise<void>;
}

/** Service C: its own process, started with the instrumentation preloaded. */
async function startChildService(): Promise<ChildService> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', './test/fixtures/otel-preload.ts', './test/fixtures/service.ts'],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const spans: ChildService['spans'] = [];
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`service C exited early with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const message = JSON.parse(line);
      if (message.listening) resolve(message.listening);
      if (message.span) spans.push(message.span);
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

describe('downstream propagation', () => {
  const { instrument, serve } = useTestScope();

  describe('a chain of three services: A -http.request-> B -fetch-> C (C in its own process)', () => {
    let serviceC: ChildService;
    before(async function () {
      this.timeout(30000);
      serviceC = await startChildService();
    });
    after(async () => serviceC?.stop());

    async function startChain(): Promise<TestServer> {
      instrument();
      const b = await serve(async (req, res) => {
        const c = await fetchJson(serviceC.url);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ received: req.headers['x-request-id'], seen: getRequestId(), c }));
      });
      return serve(async (_req, res) => {
        const fromB = await httpJson(b.url);
        res.end(JSON.stringify({ seen: getRequestId(), b: fromB }));
      });
    }

    it('one ID from A reaches B and C, every span of the three services carries it, all in one trace', async () => {
      const a = await startChain();
      const spansBefore = serviceC.spans.length;
      const res = await get(a.url);
      const id = res.headers['x-request-id'] as string;
      assert.match(id, UUID_V4);
      const body = JSON.parse(res.body);
      assert.equal(body.seen, id);
      assert.equal(body.b.received, id);
      assert.equal(body.b.seen, id);
      assert.equal(body.b.c.received, id);
      assert.equal(body.b.c.seen, id);

      // In this process: A's SERVER, A->B CLIENT, B's SERVER, B->C fetch CLIENT (plus the test client's own CLIENT span).
      await waitForSpans(SpanKind.SERVER, 2);
      const deadline = Date.now() + 3000;
      while (serviceC.spans.length === spansBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      const local = finishedSpans().filter((s) => s.attributes['request.id'] !== undefined || s.kind === SpanKind.SERVER);
      const traceId = local.find((s) => s.kind === SpanKind.SERVER)!.spanContext().traceId;
      const inTrace = finishedSpans().filter((s) => s.spanContext().traceId === traceId);
      assert.ok(inTrace.length >= 5, `expected >= 5 spans in the trace here, got ${inTrace.map((s) => s.name)}`);
      assert.deepEqual(
        inTrace.map((s) => s.kind).sort(),
        [SpanKind.SERVER, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.CLIENT, SpanKind.CLIENT].sort(),
      );
      const remote = serviceC.spans.slice(spansBefore);
      assert.equal(remote.length, 1, 'C exported its SERVER span');
      for (const span of [...inTrace.filter((s) => s.kind === SpanKind.SERVER || s.parentSpanContext !== undefined), ...remote]) {
        const name = 'name' in span ? span.name : '';
        const spanTrace = 'traceId' in span ? span.traceId : span.spanContext().traceId;
        assert.equal(spanTrace, traceId, `${name} is in the same trace`);
      }
      for (const s of inTrace) {
        // The test client's own CLIENT span is the trace's root, outside any request.
        if (s.parentSpanContext === undefined) continue;
        assert.equal(s.attributes['request.id'], id, `${s.name} (${SpanKind[s.kind]}) carries the request ID`);
      }
      assert.equal(remote[0].attributes['request.id'], id);
    });

    it("a client that sends its own ID sees it reach C unchanged", async () => {
      const a = await startChain();
      const res = await get(a.url, { 'X-Request-Id': 'client-chosen-42' });
      assert.equal(res.headers['x-request-id'], 'client-chosen-42');
      assert.equal(JSON.parse(res.body).b.c.received, 'client-chosen-42');
    });
  });

  it('isolation: 500 concurrent requests into A, each fanning out to B with random delays, carry only their own ID', async () => {
    instrument();
    const b = await serve(async (req, res) => {
      await new Promise((r) => setTimeout(r, Math.random() * 10));
      reportReceived(req, res);
    });
    const a = await serve(async (_req, res) => {
      await new Promise((r) => setTimeout(r, Math.random() * 10));
      const calls = await Promise.all([httpJson(b.url), fetchJson(b.url)]);
      res.end(JSON.stringify({ seen: getRequestId(), received: calls.map((c) => c.received) }));
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 100 });
    try {
      const results = await Promise.all(
        Array.from(
          { length: 500 },
          (_, i) =>
            new Promise<{ id: string; body: { seen: string; received: string[] } }>((resolve, reject) => {
              const headers = i % 3 === 0 ? { 'x-request-id': `client-${i}` } : {};
              http
                .get(a.url, { agent, headers }, (res) => {
                  let body = '';
                  res.on('data', (c: Buffer) => (body += c));
                  res.on('end', () => resolve({ id: res.headers['x-request-id'] as string, body: JSON.parse(body) }));
                })
                .on('error', reject);
            }),
        ),
      );
      const ids = new Set<string>();
      for (const { id, body } of results) {
        assert.equal(body.seen, id);
        assert.deepEqual(body.received, [id, id]);
        ids.add(id);
      }
      assert.equal(ids.size, 500);
    } finally {
      agent.destroy();
    }
  });

  describe('leaving things alone', () => {
    it("never mutates the caller's headers object", async () => {
      instrument();
      const b = await serve(reportReceived);
      const headers = Object.freeze({ accept: 'application/json' });
      const init = { headers: { accept: 'application/json' } };
      const a = await serve(async (_req, res) => {
        const viaHttp = await httpJson(b.url, headers);
        const viaFetch = await fetchJson(b.url, init);
        res.end(JSON.stringify({ viaHttp, viaFetch }));
      });
      const res = await get(a.url);
      const body = JSON.parse(res.body);
      assert.equal(body.viaHttp.received, res.headers['x-request-id']);
      assert.equal(body.viaFetch.received, res.headers['x-request-id']);
      assert.deepEqual(headers, { accept: 'application/json' });
      assert.deepEqual(init.headers, { accept: 'application/json' });
    });

    it('an explicit header set by the app wins (http.request, setHeader and fetch)', async () => {
      instrument();
      const b = await serve(reportReceived);
      const a = await serve(async (_req, res) => {
        const viaOptions = await httpJson(b.url, { 'X-Request-Id': 'app-options' });
        const viaSetHeader = await new Promise<Record<string, unknown>>((resolve) => {
          const req = http.request(b.url, (r) => {
            let body = '';
            r.on('data', (c: Buffer) => (body += c));
            r.on('end', () => resolve(JSON.parse(body)));
          });
          req.setHeader('x-request-id', 'app-setheader');
          req.end();
        });
        const viaFetch = await fetchJson(b.url, { headers: { 'X-REQUEST-ID': 'app-fetch' } });
        res.end(JSON.stringify({ viaOptions, viaSetHeader, viaFetch }));
      });
      const body = JSON.parse((await get(a.url)).body);
      assert.equal(body.viaOptions.received, 'app-options');
      assert.equal(body.viaSetHeader.received, 'app-setheader');
      assert.equal(body.viaFetch.received, 'app-fetch');
    });

    it('propagateTo excludes hosts not listed, for http and fetch', async () => {
      instrument({ propagateTo: ['127.0.0.1'] });
      const b = await serve(reportReceived);
      const viaLocalhost = b.url.replace('127.0.0.1', 'localhost');
      const a = await serve(async (_req, res) => {
        const calls = [
          await httpJson(b.url),
          await httpJson(viaLocalhost),
          await fetchJson(b.url),
          await fetchJson(viaLocalhost),
        ];
        res.end(JSON.stringify(calls.map((c) => c.received)));
      });
      const res = await get(a.url);
      const id = res.headers['x-request-id'];
      assert.deepEqual(JSON.parse(res.body), [id, null, id, null]);
    });

    it('propagateTo takes wildcards, host:port, RegExps and functions; a throwing function sends nothing, reported once', async () => {
      const b = await serve(reportReceived);
      const callB = async (): Promise<unknown> => (await httpJson(b.url)).received;
      const a = await serve(async (_req, res) => res.end(JSON.stringify([await callB(), await callB()])));
      const cases: [RequestIdInstrumentationConfig['propagateTo'], boolean][] = [
        [[`127.0.0.1:${b.port}`], true],
        [[`127.0.0.1:${b.port + 1}`], false],
        [['*.example.com'], false],
        [[/^127\./], true],
        [(d) => d.protocol === 'http:' && d.port === b.port, true],
        [false, false],
        [
          () => {
            throw new Error('filter down');
          },
          false,
        ],
      ];
      for (const [propagateTo, sent] of cases) {
        const inst = instrument({ propagateTo });
        const res = await get(a.url);
        const expected = sent ? res.headers['x-request-id'] : null;
        assert.deepEqual(JSON.parse(res.body), [expected, expected], `propagateTo ${String(propagateTo)}`);
        inst.disable();
      }
    });
  });

  describe('clients', () => {
    it('http.get, https.request and https.get carry the ID', async () => {
      instrument();
      const tls = { key: readFileSync(join(__dirname, '../fixtures/tls-key.pem')), cert: readFileSync(join(__dirname, '../fixtures/tls-cert.pem')) };
      const secure = https.createServer(tls, reportReceived);
      await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
      const securePort = (secure.address() as AddressInfo).port;
      const b = await serve(reportReceived);
      const read = (res: http.IncomingMessage): Promise<Record<string, unknown>> =>
        new Promise((resolve) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c));
          res.on('end', () => resolve(JSON.parse(body)));
        });
      try {
        const a = await serve(async (_req, res) => {
          const viaGet = await new Promise<Record<string, unknown>>((resolve) => http.get(b.url, (r) => resolve(read(r))));
          const viaHttps = await new Promise<Record<string, unknown>>((resolve) =>
            https.request({ host: '127.0.0.1', port: securePort, ca: tls.cert }, (r) => resolve(read(r))).end(),
          );
          const viaHttpsGet = await new Promise<Record<string, unknown>>((resolve) =>
            https.get(`https://localhost:${securePort}/`, { ca: tls.cert }, (r) => resolve(read(r))),
          );
          res.end(JSON.stringify([viaGet.received, viaHttps.received, viaHttpsGet.received]));
        });
        const res = await get(a.url);
        const id = res.headers['x-request-id'];
        assert.deepEqual(JSON.parse(res.body), [id, id, id]);
      } finally {
        secure.closeAllConnections();
        await new Promise((r) => secure.close(r));
      }
    });

    it('axios (built on http.request) carries the ID', async () => {
      instrument();
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const axios = require('axios') as typeof import('axios').default;
      const b = await serve(reportReceived);
      const a = await serve(async (_req, res) => res.end(JSON.stringify((await axios.get(b.url)).data)));
      const res = await get(a.url);
      assert.equal(JSON.parse(res.body).received, res.headers['x-request-id']);
    });

    it('route rules with their own header forward both IDs', async () => {
      instrument({ headerName: 'Global-Request-ID', rules: [{ match: '/anything', headerName: 'Route-Request-ID' }] });
      const b = await serve((req, res) => res.end(JSON.stringify([req.headers['global-request-id'], req.headers['route-request-id']])));
      const a = await serve(async (_req, res) => res.end(JSON.stringify(await httpJson(b.url))));
      const res = await get(`${a.url}/anything`);
      assert.deepEqual(JSON.parse(res.body), [res.headers['global-request-id'], res.headers['route-request-id']]);
    });

    it('includeInResponse: false still forwards the ID (APISIX "hide request ID in response header")', async () => {
      instrument({ headerName: 'X-Req-Identifier', includeInResponse: false });
      const b = await serve((req, res) => res.end(JSON.stringify({ received: req.headers['x-req-identifier'] })));
      const a = await serve(async (_req, res) => res.end(JSON.stringify({ seen: getRequestId(), b: await httpJson(b.url) })));
      const res = await get(a.url);
      assert.equal(res.headers['x-req-identifier'], undefined);
      const body = JSON.parse(res.body);
      assert.match(body.b.received, UUID_V4);
      assert.equal(body.b.received, body.seen);
    });
  });

  describe('outside a request', () => {
    it('sends no header', async () => {
      instrument();
      const b = await serve(reportReceived);
      assert.equal((await httpJson(b.url)).received, null);
      assert.equal((await fetchJson(b.url)).received, null);
    });

    it('runWithRequestId sends the given ID, and getRequestId and spans see it', async () => {
      instrument();
      const b = await serve(reportReceived);
      const tracer = trace.getTracer('job');
      const result = await runWithRequestId('job-7', async () => {
        const span = tracer.startSpan('job work');
        span.end();
        return { seen: getRequestId(), viaHttp: await httpJson(b.url), viaFetch: await fetchJson(b.url) };
      });
      assert.equal(result.seen, 'job-7');
      assert.equal(result.viaHttp.received, 'job-7');
      assert.equal(result.viaFetch.received, 'job-7');
      assert.equal(finishedSpans().find((s) => s.name === 'job work')!.attributes['request.id'], 'job-7');
      assert.equal(getRequestId(), undefined);
    });

    it('runWithRequestId without an ID, or with an invalid one, uses a fresh uuid', async () => {
      assert.match(runWithRequestId(undefined, () => getRequestId()!), UUID_V4);
      const fresh = runWithRequestId('bad id\r\n', () => getRequestId()!);
      assert.match(fresh, UUID_V4);
      const a = runWithRequestId(undefined, () => getRequestId());
      const b = runWithRequestId(undefined, () => getRequestId());
      assert.notEqual(a, b);
    });

    it('runWithRequestId nested inside a request wins for its own work, and the request ID returns after', async () => {
      instrument();
      const b = await serve(reportReceived);
      const a = await serve(async (_req, res) => {
        const inJob = await runWithRequestId('nested-job', async () => (await httpJson(b.url)).received);
        res.end(JSON.stringify({ inJob, after: (await httpJson(b.url)).received, seen: getRequestId() }));
      });
      const res = await get(a.url);
      const body = JSON.parse(res.body);
      assert.equal(body.inJob, 'nested-job');
      assert.equal(body.after, res.headers['x-request-id']);
      assert.equal(body.seen, res.headers['x-request-id']);
    });
  });

  describe('RequestIdSpanProcessor', () => {
    it('stamps every span started inside a request, and none outside', async () => {
      instrument();
      const tracer = trace.getTracer('app');
      const a = await serve(async (_req, res) => {
        await tracer.startActiveSpan('db query', async (span) => {
          await new Promise((r) => setTimeout(r, 1));
          tracer.startSpan('nested').end();
          span.end();
        });
        res.end();
      });
      const res = await get(a.url);
      tracer.startSpan('outside').end();
      const byName = (name: string) => finishedSpans().find((s) => s.name === name)!;
      assert.equal(byName('db query').attributes['request.id'], res.headers['x-request-id']);
      assert.equal(byName('nested').attributes['request.id'], res.headers['x-request-id']);
      assert.equal(byName('outside').attributes['request.id'], undefined);
    });
  });

  describe('RequestIdPropagator', () => {
    const setter: TextMapSetter<Record<string, { DataType: string; StringValue: string }>> = {
      set: (carrier, key, value) => (carrier[key] = { DataType: 'String', StringValue: value }),
    };
    const getter: TextMapGetter<Record<string, { DataType: string; StringValue: string }>> = {
      keys: (carrier) => Object.keys(carrier),
      get: (carrier, key) => carrier[key]?.StringValue,
    };

    it('inject writes the ID from the context; extract reads it back with validation (SQS-style message attributes)', () => {
      const propagator = new RequestIdPropagator();
      const attributes: Record<string, { DataType: string; StringValue: string }> = {};
      runWithRequestId('queue-msg-1', () => propagator.inject(context.active(), attributes, setter));
      assert.deepEqual(attributes, { 'x-request-id': { DataType: 'String', StringValue: 'queue-msg-1' } });
      const ctx = propagator.extract(ROOT_CONTEXT, attributes, getter);
      assert.equal(context.with(ctx, () => getRequestId()), 'queue-msg-1');

      const hostile = { 'x-request-id': { DataType: 'String', StringValue: 'x\r\nInjected: 1' } };
      assert.equal(context.with(propagator.extract(ROOT_CONTEXT, hostile, getter), () => getRequestId()), undefined);
      assert.equal(context.with(propagator.extract(ROOT_CONTEXT, { 'x-request-id': ['a', 'b'] }), () => getRequestId()), undefined);
      assert.deepEqual(propagator.fields(), ['x-request-id']);
    });

    it('injects nothing outside a request', () => {
      const carrier: Record<string, string> = {};
      new RequestIdPropagator().inject(ROOT_CONTEXT, carrier, { set: (c, k, v) => (c[k] = v) });
      assert.deepEqual(carrier, {});
    });

    it('validation and headerName are configurable', () => {
      const propagator = new RequestIdPropagator({ headerName: 'Correlation-Id', validation: { pattern: /^[0-9]+$/ } });
      assert.equal(context.with(propagator.extract(ROOT_CONTEXT, { 'correlation-id': '123' }), () => getRequestId()), '123');
      assert.equal(context.with(propagator.extract(ROOT_CONTEXT, { 'correlation-id': 'abc' }), () => getRequestId()), undefined);
      assert.throws(() => new RequestIdPropagator({ headerName: 'bad header' }), /invalid option `headerName`/);
    });

    it('optionally writes a W3C baggage entry, merged with the baggage propagator', () => {
      const composite = new CompositePropagator({
        propagators: [new W3CBaggagePropagator(), new RequestIdPropagator({ baggage: true })],
      });
      const carrier: Record<string, string> = {};
      const withBaggage = propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage({ tenant: { value: 'acme' } }));
      runWithRequestId('bag-1', () => composite.inject(withBaggage, carrier, { set: (c, k, v) => (c[k] = v) }));
      // withBaggage carries no request ID, so the active one is used.
      assert.equal(carrier['x-request-id'], 'bag-1');
      assert.equal(carrier.baggage, 'tenant=acme,request.id=bag-1');
      const readBack = new W3CBaggagePropagator().extract(ROOT_CONTEXT, carrier, { get: (c, k) => c[k], keys: Object.keys });
      assert.equal(propagation.getBaggage(readBack)!.getEntry('request.id')!.value, 'bag-1');
    });

    it('carries the ID over a non-HTTP transport: IPC messages to another process, with trace context', async function () {
      this.timeout(30000);
      const composite = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new RequestIdPropagator()] });
      const consumer = fork(join(__dirname, '../fixtures/ipc-consumer.ts'), [], { cwd: root, execArgv: ['-r', 'ts-node/register/transpile-only'] });
      try {
        await new Promise((resolve) => consumer.once('message', resolve));
        const replies = new Map<string, { seen: string; traceparent: string }>();
        consumer.on('message', (m: { body: string; seen: string; traceparent: string }) => replies.set(m.body, m));
        const tracer = trace.getTracer('producer');
        const sent: Record<string, string> = {};
        for (const id of ['order-1', 'order-2', 'order-3']) {
          runWithRequestId(id, () =>
            tracer.startActiveSpan('publish', (span) => {
              const headers: Record<string, string> = {};
              composite.inject(context.active(), headers, { set: (c, k, v) => (c[k] = v) });
              sent[id] = headers.traceparent;
              consumer.send({ headers, body: id });
              span.end();
            }),
          );
        }
        const deadline = Date.now() + 10000;
        while (replies.size < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        for (const id of ['order-1', 'order-2', 'order-3']) {
          assert.equal(replies.get(id)?.seen, id);
          assert.equal(replies.get(id)?.traceparent, sent[id]);
        }
      } finally {
        consumer.kill();
      }
    });

    it('on the server path, extract agrees with the ID the server assigned (not a rejected incoming value)', async () => {
      instrument({ trustIncoming: false });
      const propagator = new RequestIdPropagator();
      const a = await serve((req, res) => {
        const extracted = context.with(propagator.extract(ROOT_CONTEXT, req.headers), () => getRequestId());
        res.end(JSON.stringify({ extracted, seen: getRequestId() }));
      });
      const res = await get(a.url, { 'X-Request-Id': 'untrusted-client-id' });
      const body = JSON.parse(res.body);
      assert.equal(body.seen, res.headers['x-request-id']);
      assert.equal(body.extracted, res.headers['x-request-id']);
    });
  });
});
