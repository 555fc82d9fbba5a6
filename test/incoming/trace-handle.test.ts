import '../support/otel';
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type * as http2 from 'node:http2';
import { SpanKind, trace } from '@opentelemetry/api';
import { getRequestId, RequestIdConfigError } from '../../src';
import { configFromEnv } from '../../src/register/env-config';
import { diagLines, httpInstrumentation, provider, waitForSpans } from '../support/otel';
import { InMemorySpanExporter, simpleProcessor } from '../support/sdk-compat';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { RequestIdTraceIdGenerator, withRequestId } from '../../src';
import { useTestScope } from '../support/scope';
import { get as tracedGet, startServer, type TestServer } from '../support/http';
import { h2Once as tracedH2Once, startH2, type H2TestServer } from '../support/h2';
import { untraced } from '../../bench/lib/untraced';

// The test's own client calls make no CLIENT span: its traceparent would be the incoming trace context.
const get = (...args: Parameters<typeof tracedGet>) => untraced(() => tracedGet(...args));
const h2Once = (...args: Parameters<typeof tracedH2Once>) => untraced(() => tracedH2Once(...args));

const HEX32 = /^[0-9a-f]{32}$/;
const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const TRACEPARENT = `00-${CALLER_TRACE}-b7ad6b7169203331-01`;

/**
 * The request ID as the trace's handle (issue 25): `algorithm: 'trace_id'`, `traceIdFromRequestId`
 * and `traceResponse`, on real HTTP/1.1 and HTTP/2 servers with the real SDK (the test provider
 * has RequestIdTraceIdGenerator, as withRequestId() and register install it).
 */
describe('the request ID as the trace handle', () => {
  const scope = useTestScope();
  let h2servers: H2TestServer[] = [];
  let downstream: TestServer;
  afterEach(async () => {
    await Promise.all(h2servers.map((s) => s.close()));
    h2servers = [];
    await downstream?.close();
  });

  async function serverSpan() {
    const [span] = await waitForSpans(SpanKind.SERVER, 1);
    assert.ok(span, 'a SERVER span');
    return span;
  }

  /** A downstream that answers with the traceparent and x-request-id it received. */
  async function startDownstream(): Promise<TestServer> {
    downstream = await startServer((req, res) => res.end(JSON.stringify({ traceparent: req.headers.traceparent, id: req.headers['x-request-id'] })));
    return downstream;
  }

  /** An HTTP/1.1 app that calls the downstream and answers what it received and what getRequestId() said. */
  async function appCallingDownstream(): Promise<TestServer> {
    const down = await startDownstream();
    return scope.serve((_req, res) => {
      http.get(down.url, (r) => {
        let body = '';
        r.on('data', (c) => (body += c));
        r.on('end', () => res.end(JSON.stringify({ seen: getRequestId(), downstream: JSON.parse(body) })));
      });
    });
  }

  describe("algorithm: 'trace_id'", () => {
    it('HTTP/1.1, no incoming ID nor trace context: the ID is the new trace ID, of the SERVER span, and what downstream gets', async () => {
      scope.instrument({ algorithm: 'trace_id' });
      const app = await appCallingDownstream();
      const res = await get(app.url);
      const id = res.headers['x-request-id'] as string;
      assert.match(id, HEX32);
      const body = JSON.parse(res.body);
      assert.equal(body.seen, id);
      assert.equal(body.downstream.id, id, 'x-request-id sent downstream');
      assert.equal(body.downstream.traceparent.split('-')[1], id, 'the traceparent sent downstream is in the same trace');
      // The app's SERVER span is the trace's root; the downstream's is its grandchild.
      const spans = await waitForSpans(SpanKind.SERVER, 2);
      assert.deepEqual(spans.map((s) => s.spanContext().traceId), [id, id]);
      assert.ok(spans.every((s) => s.attributes['request.id'] === id));
    });

    it('HTTP/1.1 with an incoming traceparent: the ID is the caller\'s trace ID', async () => {
      scope.instrument({ algorithm: 'trace_id' });
      const app = await scope.serve((_req, res) => res.end(getRequestId()));
      const res = await get(app.url, { traceparent: TRACEPARENT });
      assert.equal(res.headers['x-request-id'], CALLER_TRACE);
      assert.equal(res.body, CALLER_TRACE);
      assert.equal((await serverSpan()).spanContext().traceId, CALLER_TRACE);
    });

    it('a valid, trusted incoming ID is kept verbatim; an untrusted one is replaced by the trace ID', async () => {
      const trusting = scope.instrument({ algorithm: 'trace_id' });
      const app = await scope.serve((_req, res) => res.end());
      assert.equal((await get(app.url, { 'x-request-id': 'client-abc-123' })).headers['x-request-id'], 'client-abc-123');
      trusting.disable();
      scope.instrument({ algorithm: 'trace_id', trustIncoming: false });
      const res = await get(app.url, { 'x-request-id': 'client-abc-123' });
      const id = res.headers['x-request-id'] as string;
      assert.match(id, HEX32);
      const spans = await waitForSpans(SpanKind.SERVER, 2);
      assert.equal(spans[1].spanContext().traceId, id);
    });

    it('two requests get two traces, and a root span started after a request does not take its trace ID', async () => {
      scope.instrument({ algorithm: 'trace_id' });
      const app = await scope.serve((_req, res) => res.end());
      const a = (await get(app.url)).headers['x-request-id'] as string;
      const b = (await get(app.url)).headers['x-request-id'] as string;
      assert.notEqual(a, b);
      const other = trace.getTracer('test').startSpan('unrelated');
      other.end();
      assert.ok(![a, b].includes(other.spanContext().traceId));
    });

    it("an 'Expect: 100-continue' request whose 'request' event never comes leaves no trace ID for another trace", async () => {
      scope.instrument({ algorithm: 'trace_id' });
      const server = await scope.serve((_req, res) => res.end());
      // A checkContinue listener: Node emits it instead of 'request'.
      const native = server.server;
      native.on('checkContinue', (req, res) => {
        res.writeContinue();
        req.resume();
        req.on('end', () => res.end());
      });
      const echoed = await new Promise<string>((resolve, reject) => {
        const req = http.request(server.url, { method: 'POST', headers: { expect: '100-continue' } }, (res) => {
          res.resume();
          resolve(res.headers['x-request-id'] as string);
        });
        req.on('error', reject);
        req.on('continue', () => req.end('x'));
      });
      const other = trace.getTracer('test').startSpan('unrelated');
      other.end();
      assert.notEqual(other.spanContext().traceId, echoed);
    });

    it('HTTP/2: the ID is the SERVER span\'s trace ID, or the caller\'s with a traceparent', async () => {
      scope.instrument({ algorithm: 'trace_id' });
      const server = await startH2((s) => s.on('stream', (stream: http2.ServerHttp2Stream) => { stream.respond({ ':status': 200 }); stream.end(getRequestId()); }));
      h2servers.push(server);
      const res = await h2Once(server.url);
      const id = res.headers['x-request-id'] as string;
      assert.match(id, HEX32);
      assert.equal(res.body, id);
      assert.equal((await serverSpan()).spanContext().traceId, id);
      const continued = await h2Once(server.url, { traceparent: TRACEPARENT });
      assert.equal(continued.headers['x-request-id'], CALLER_TRACE);
    });

    it('a route rule with trace_id for a second header gets the same trace ID as the global one', async () => {
      scope.instrument({ algorithm: 'trace_id', rules: [{ match: '/', headerName: 'x-correlation-id', algorithm: 'trace_id' }] });
      const app = await scope.serve((_req, res) => res.end());
      const res = await get(app.url);
      assert.match(res.headers['x-request-id'] as string, HEX32);
      assert.equal(res.headers['x-correlation-id'], res.headers['x-request-id']);
      assert.equal((await serverSpan()).spanContext().traceId, res.headers['x-request-id']);
    });
  });

  describe('traceIdFromRequestId', () => {
    const UUID = '3F2504E0-4F89-41D3-9A0C-0305E82C3301';
    it('a trusted UUID (any case) becomes the trace ID, dashes removed and lower-cased; the request ID stays verbatim', async () => {
      scope.instrument({ traceIdFromRequestId: true });
      const app = await appCallingDownstream();
      const res = await get(app.url, { 'x-request-id': UUID });
      assert.equal(res.headers['x-request-id'], UUID);
      const body = JSON.parse(res.body);
      assert.equal(body.seen, UUID);
      assert.equal(body.downstream.id, UUID);
      const traceId = UUID.replace(/-/g, '').toLowerCase();
      assert.equal(body.downstream.traceparent.split('-')[1], traceId);
      assert.equal((await serverSpan()).spanContext().traceId, traceId);
    });

    it("Envoy's rewritten UUID (its 14th digit carries the sampling decision) and 32 hex characters become it too", async () => {
      scope.instrument({ traceIdFromRequestId: true });
      const app = await scope.serve((_req, res) => res.end());
      const envoy = '8b2a0a3c-5f1e-b4d2-9c3e-1a2b3c4d5e6f';
      await get(app.url, { 'x-request-id': envoy });
      await get(app.url, { 'x-request-id': 'ABCDEF0123456789abcdef0123456789' });
      const spans = await waitForSpans(SpanKind.SERVER, 2);
      assert.deepEqual(
        spans.map((s) => s.spanContext().traceId),
        [envoy.replace(/-/g, ''), 'abcdef0123456789abcdef0123456789'],
      );
    });

    it('never for an untrusted ID, an all-zero one, another shape, or when a traceparent came', async () => {
      scope.instrument({ traceIdFromRequestId: true, trustIncoming: ['10.9.9.9'] });
      const app = await scope.serve((_req, res) => res.end());
      await get(app.url, { 'x-request-id': UUID });
      scope.instrument({ traceIdFromRequestId: true });
      await get(app.url, { 'x-request-id': '00000000-0000-0000-0000-000000000000' });
      await get(app.url, { 'x-request-id': 'abc123' });
      await get(app.url, { 'x-request-id': UUID, traceparent: TRACEPARENT });
      const spans = await waitForSpans(SpanKind.SERVER, 4);
      const ids = spans.map((s) => s.spanContext().traceId);
      assert.notEqual(ids[0], UUID.replace(/-/g, '').toLowerCase(), 'an untrusted client never chooses the trace ID');
      assert.notEqual(ids[1], '0'.repeat(32));
      assert.match(ids[2], HEX32);
      assert.equal(ids[3], CALLER_TRACE, 'the caller\'s trace context wins');
    });

    it('HTTP/2: a trusted UUID becomes the trace ID', async () => {
      scope.instrument({ traceIdFromRequestId: true });
      const server = await startH2((s) => s.on('stream', (stream: http2.ServerHttp2Stream) => { stream.respond({ ':status': 200 }); stream.end(); }));
      h2servers.push(server);
      const res = await h2Once(server.url, { 'x-request-id': UUID });
      assert.equal(res.headers['x-request-id'], UUID);
      assert.equal((await serverSpan()).spanContext().traceId, UUID.replace(/-/g, '').toLowerCase());
    });
  });

  describe('traceResponse', () => {
    const expected = (span: { spanContext(): { traceId: string; spanId: string } }): string => `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;

    it("'traceresponse': the SERVER span's context, on errors too; not on ignored requests", async () => {
      scope.instrument({ traceResponse: 'traceresponse', ignore: '/health' });
      const app = await scope.serve((req, res) => {
        res.statusCode = req.url === '/fail' ? 500 : 200;
        res.end();
      });
      const ok = await get(app.url);
      const span = await serverSpan();
      assert.equal(ok.headers.traceresponse, expected(span));
      assert.equal(ok.headers['server-timing'], undefined);
      const failed = await get(`${app.url}/fail`);
      assert.equal(failed.status, 500);
      assert.match(failed.headers.traceresponse as string, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      assert.equal((await get(`${app.url}/health`)).headers.traceresponse, undefined);
    });

    it("'server-timing': appended to the app's own Server-Timing, set with setHeader or in writeHead", async () => {
      scope.instrument({ traceResponse: 'server-timing' });
      const app = await scope.serve((req, res) => {
        if (req.url === '/set') res.setHeader('Server-Timing', 'db;dur=53');
        if (req.url === '/head') res.writeHead(200, { 'Server-Timing': 'cache;desc="hit"' });
        if (req.url === '/raw') res.writeHead(200, ['Server-Timing', 'app;dur=1']);
        res.end();
      });
      const plain = await get(app.url);
      const span = await serverSpan();
      assert.equal(plain.headers['server-timing'], `traceparent;desc="${expected(span)}"`);
      assert.equal(plain.headers.traceresponse, undefined);
      for (const [path, theirs] of [['/set', 'db;dur=53'], ['/head', 'cache;desc="hit"'], ['/raw', 'app;dur=1']]) {
        const res = await get(`${app.url}${path}`);
        assert.match(res.headers['server-timing'] as string, new RegExp(`^${theirs.replace(/[.*+?^${}()|[\]\\"]/g, '\\$&')}, traceparent;desc="00-[0-9a-f]{32}-[0-9a-f]{16}-01"$`), `${path}: ${JSON.stringify(res.headers['server-timing'])}`);
      }
    });

    it("'both', and a traceresponse the app sets itself wins", async () => {
      scope.instrument({ traceResponse: 'both' });
      const app = await scope.serve((req, res) => {
        if (req.url === '/own') res.setHeader('traceresponse', 'mine');
        res.end();
      });
      const res = await get(app.url);
      const span = await serverSpan();
      assert.equal(res.headers.traceresponse, expected(span));
      assert.equal(res.headers['server-timing'], `traceparent;desc="${expected(span)}"`);
      assert.equal((await get(`${app.url}/own`)).headers.traceresponse, 'mine');
    });

    it('HTTP/2: traceresponse and Server-Timing on the stream API, the app\'s Server-Timing kept', async () => {
      scope.instrument({ traceResponse: 'both' });
      const server = await startH2((s) =>
        s.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
          stream.respond(headers[':path'] === '/own' ? { ':status': 503, 'Server-Timing': 'db;dur=2' } : { ':status': 200 });
          stream.end();
        }),
      );
      h2servers.push(server);
      const res = await h2Once(server.url);
      const span = await serverSpan();
      assert.equal(res.headers.traceresponse, expected(span));
      assert.equal(res.headers['server-timing'], `traceparent;desc="${expected(span)}"`);
      const own = await h2Once(server.url, { ':path': '/own' });
      assert.equal(own.status, 503);
      assert.match(String(own.headers['server-timing']), /^db;dur=2, traceparent;desc="00-[0-9a-f]{32}-[0-9a-f]{16}-01"$/);
      assert.match(String(own.headers.traceresponse), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    });

    it('HTTP/2 compat API: traceresponse on the response', async () => {
      scope.instrument({ traceResponse: 'traceresponse' });
      const server = await startH2((s) => s.on('request', (_req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => res.end('ok')));
      h2servers.push(server);
      const res = await h2Once(server.url);
      assert.equal(res.headers.traceresponse, expected(await serverSpan()));
    });

    it('a bad value throws at construction, naming the option and the valid values', () => {
      assert.throws(() => scope.instrument({ traceResponse: 'yes' as never }), (err: unknown) => {
        assert.ok(err instanceof RequestIdConfigError);
        assert.match(err.message, /traceResponse/);
        assert.match(err.message, /'traceresponse', 'server-timing', 'both', or false/);
        return true;
      });
      assert.throws(() => scope.instrument({ traceIdFromRequestId: 'yes' as never }), /traceIdFromRequestId/);
    });
  });

  describe('from the environment', () => {
    it('RID_ALGORITHM=trace_id, RID_TRACE_ID_FROM_REQUEST_ID=true, RID_TRACE_RESPONSE=both are read', () => {
      const lines: string[] = [];
      const config = configFromEnv({ RID_ALGORITHM: 'trace_id', RID_TRACE_ID_FROM_REQUEST_ID: 'true', RID_TRACE_RESPONSE: 'both' }, (l) => lines.push(l));
      assert.deepEqual(lines, []);
      assert.equal(config.algorithm, 'trace_id');
      assert.equal(config.traceIdFromRequestId, true);
      assert.equal(config.traceResponse, 'both');
    });

    it('a bad value is one line, and keeps both closed (no trace context out, no client-chosen trace ID)', () => {
      const lines: string[] = [];
      const config = configFromEnv({ RID_TRACE_ID_FROM_REQUEST_ID: 'yes', RID_TRACE_RESPONSE: 'always' }, (l) => lines.push(l));
      assert.equal(lines.length, 2, lines.join('\n'));
      assert.match(lines[0], /RID_TRACE_ID_FROM_REQUEST_ID="yes".*false.*RID_TRACE_ID_FROM_REQUEST_ID=true/);
      assert.match(lines[1], /RID_TRACE_RESPONSE="always".*false.*RID_TRACE_RESPONSE=traceresponse/);
      assert.equal(config.traceIdFromRequestId, false);
      assert.equal(config.traceResponse, false);
    });
  });

  describe('set-up: who chooses the trace ID', () => {
    it('withRequestId() installs RequestIdTraceIdGenerator; an idGenerator of yours is kept, with one line when the config needs ours', () => {
      // Each withRequestId() call makes a RequestIdInstrumentation, enabled: disabled once read.
      const made = (config: ReturnType<typeof withRequestId>) => {
        for (const i of config.instrumentations) (i as { disable(): void }).disable();
        return config.idGenerator;
      };
      assert.ok(made(withRequestId({})) instanceof RequestIdTraceIdGenerator);
      const yours = { generateTraceId: () => '1'.repeat(32), generateSpanId: () => '1'.repeat(16) };
      assert.equal(made(withRequestId({ idGenerator: yours })), yours);
      assert.equal(diagLines.filter((l) => l.message.includes('cannot apply')).length, 0, 'nothing to say without trace_id');
      assert.equal(made(withRequestId({ idGenerator: yours }, { algorithm: 'trace_id' })), yours);
      const lines = diagLines.filter((l) => l.message.includes("algorithm 'trace_id' and traceIdFromRequestId cannot apply"));
      assert.equal(lines.length, 1);
      assert.equal(lines[0].level, 'warn');
    });

    it('a SERVER span from a tracer provider without it: the ID stays a trace-shaped ID, said once through diag, and no other trace takes it', async () => {
      const exporter = new InMemorySpanExporter();
      const plain = new TracerProvider({ spanProcessors: [simpleProcessor(exporter)] });
      httpInstrumentation.setTracerProvider(plain);
      try {
        scope.instrument({ algorithm: 'trace_id' });
        const app = await scope.serve((_req, res) => res.end());
        const a = (await get(app.url)).headers['x-request-id'] as string;
        await get(app.url);
        assert.match(a, HEX32);
        const warned = diagLines.filter((l) => l.message.includes('did not take the trace ID chosen for it'));
        assert.equal(warned.length, 1, JSON.stringify(diagLines));
        const other = trace.getTracer('test').startSpan('unrelated');
        other.end();
        assert.notEqual(other.spanContext().traceId, a);
      } finally {
        httpInstrumentation.setTracerProvider(provider);
      }
    });
  });
});
