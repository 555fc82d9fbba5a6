import '../support/otel';
import * as assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import type { IncomingHttpHeaders } from 'node:http2';
import * as http from 'node:http';
import { connect as netConnect } from 'node:net';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ATTR_AWS_REQUEST_ID, AWS_CALL_EVENT, getRequestId, runWithRequestId, type RequestIdInstrumentation } from '../../src';
import { ensureBuilt, startApp, type ChildApp } from '../support/child-app';
import { get } from '../support/http';
import { startOtlpReceiver, type OtlpReceiver } from '../../bench/lib/otlp-receiver';
import { finishedSpans, waitForSpans } from '../support/otel';
import type { ReadableSpan } from '../support/sdk-compat';
import { loadSecondCopy } from '../support/second-copy';
import { waitFor } from '../support/wait';
import { useTestScope } from '../support/scope';
import { toLoopback } from '../support/vendor-hosts';
import { h2Connect, h2Once, h2Request, type H2TestServer, startH2 } from '../support/h2';

/** HTTP/2 clients are covered on every Node line (the session's request() is patched; no channel needed). */
describe('HTTP/2 clients (http2.connect().request())', () => {
  const scope = useTestScope();
  let downstream: H2TestServer;
  let received: IncomingHttpHeaders[] = [];
  beforeEach(async () => {
    received = [];
    downstream = await startH2((server) =>
      server.on('stream', (stream, headers) => {
        received.push(headers);
        const status = headers[':path'] === '/fail' ? 500 : 200;
        stream.respond({ ':status': status });
        stream.end('ok');
      }),
    );
  });
  afterEach(() => downstream.close());

  it('carries the current request ID and the trace, from a copy: the caller\'s headers object is untouched', async () => {
    scope.instrument();
    const headers = { ':path': '/a', 'x-other': '1' };
    const snapshot = { ...headers };
    const parent = trace.getTracer('test').startSpan('parent');
    await runWithRequestId('outgoing-id-1', () => trace.getTracer('t').startActiveSpan('caller', (caller) => h2Once(downstream.url, headers).finally(() => caller.end())));
    parent.end();
    assert.deepEqual(headers, snapshot);
    assert.equal(received[0]['x-request-id'], 'outgoing-id-1');
    assert.equal(received[0]['x-other'], '1');
    const [client] = await waitForSpans(SpanKind.CLIENT, 1);
    assert.ok(client, 'a CLIENT span for the stream');
    assert.match(String(received[0].traceparent), new RegExp(`^00-${client.spanContext().traceId}-${client.spanContext().spanId}-01$`));
    const caller = finishedSpans().find((s) => s.name === 'caller')!;
    assert.equal(client.spanContext().traceId, caller.spanContext().traceId);
    assert.equal(client.attributes['http.request.method'], 'GET');
    assert.equal(client.attributes['network.protocol.version'], '2');
    assert.equal(client.attributes['server.address'], '127.0.0.1');
    assert.equal(client.attributes['server.port'], Number(new URL(downstream.url).port));
    assert.equal(client.attributes['url.full'], `${downstream.url}/a`);
    assert.equal(client.attributes['http.response.status_code'], 200);
    assert.equal(client.attributes['request.id'], 'outgoing-id-1', 'RequestIdSpanProcessor stamps it');
  });

  it('a header the app set wins; outside a request nothing is added', async () => {
    scope.instrument();
    await runWithRequestId('outgoing-id-2', () => h2Once(downstream.url, { 'X-Request-Id': 'app-set' }));
    assert.equal(received[0]['x-request-id'], 'app-set');
    await h2Once(downstream.url);
    assert.equal(received[1]['x-request-id'], undefined);
    assert.equal(getRequestId(), undefined);
  });

  it('propagateTo decides as for http and fetch: a host outside the list gets no ID, but still the trace', async () => {
    scope.instrument({ propagateTo: ['api.internal'] });
    await runWithRequestId('outgoing-id-3', () => h2Once(downstream.url));
    assert.equal(received[0]['x-request-id'], undefined);
    assert.ok(received[0].traceparent);
    scope.instrument({ propagateTo: (d) => d.hostname === '127.0.0.1' && d.protocol === 'http:' });
    await runWithRequestId('outgoing-id-4', () => h2Once(downstream.url));
    assert.equal(received[1]['x-request-id'], 'outgoing-id-4');
  });

  it('a 5xx response: error status on the CLIENT span; many streams on one session each get their own span', async () => {
    scope.instrument();
    const session = h2Connect(downstream.url);
    try {
      await Promise.all([h2Request(session, { ':path': '/fail' }), ...Array.from({ length: 20 }, () => h2Request(session))]);
    } finally {
      session.close();
    }
    const spans = await waitForSpans(SpanKind.CLIENT, 21);
    assert.equal(spans.length, 21);
    const failed = spans.filter((s) => s.status.code === SpanStatusCode.ERROR);
    assert.equal(failed.length, 1);
    assert.equal(failed[0].attributes['http.response.status_code'], 500);
  });

  it('request() on a destroyed session fails as before (a throw, or an errored stream) and leaves no span open', async () => {
    scope.instrument();
    const session = h2Connect(downstream.url);
    await h2Request(session);
    session.destroy();
    try {
      session.request({ ':path': '/' }).on('error', () => {});
    } catch (err) {
      assert.equal((err as { code?: string }).code, 'ERR_HTTP2_INVALID_SESSION');
    }
    const spans = await waitForSpans(SpanKind.CLIENT, 2);
    assert.equal(spans.length, 2);
    assert.deepEqual(spans.map((s) => s.status.code).sort(), [SpanStatusCode.UNSET, SpanStatusCode.ERROR]);
  });
});

/** Vendor request IDs over HTTP/2: a local server plays the vendor under its real host name (lookup to 127.0.0.1). */
describe('vendor request IDs over HTTP/2 clients', () => {
  const scope = useTestScope();
  let vendor: H2TestServer;
  beforeEach(async () => {
    vendor = await startH2((server) =>
      server.on('stream', (stream, headers) => {
        const echo = headers[':path'] === '/echo-other' ? 'rewritten-by-gateway' : headers['x-request-id'];
        stream.respond({ ':status': 200, 'x-request-id': String(echo ?? 'none'), 'request-id': 'req_anthropic_style' });
        stream.end('{}');
      }),
    );
  });
  afterEach(() => vendor.close());

  function via(host: string): http2.ClientHttp2Session {
    const session = http2.connect(`http://${host}:${vendor.port}`, { lookup: toLoopback });
    session.on('error', () => {});
    return session;
  }

  it("a listed host's header lands on our HTTP/2 CLIENT span; the same header from an unlisted host does not", async () => {
    scope.instrument();
    for (const host of ['api.openai.com', 'api.example.org']) {
      const session = via(host);
      try {
        await runWithRequestId('vendor-call-1', () => h2Request(session, { ':path': '/echo-other' }));
      } finally {
        session.close();
      }
    }
    const spans = await waitForSpans(SpanKind.CLIENT, 2);
    const byHost = new Map(spans.map((s) => [s.attributes['server.address'], s.attributes]));
    assert.equal(byHost.get('api.openai.com')?.['rid.openai.request_id'], 'rewritten-by-gateway');
    assert.equal(byHost.get('api.openai.com')?.['rid.anthropic.request_id'], undefined, "Anthropic's header only from Anthropic's hosts");
    // Unlisted: no vendor attribute, but the downstream's echo of another ID than ours is recorded.
    assert.equal(byHost.get('api.example.org')?.['rid.downstream.request_id'], 'rewritten-by-gateway');
    assert.deepEqual(Object.keys(byHost.get('api.example.org')!).filter((k) => k.startsWith('rid.') && k !== 'rid.downstream.request_id'), []);
  });

  it("a session to a listed vendor's host is the vendor's, whatever its :authority names", async () => {
    scope.instrument();
    const session = via('api.openai.com');
    try {
      await runWithRequestId('vendor-call-3', () => h2Request(session, { ':path': '/echo-other', ':authority': 'api.example.org' }));
    } finally {
      session.close();
    }
    const [span] = await waitForSpans(SpanKind.CLIENT, 1);
    assert.equal(span.attributes['server.address'], 'api.openai.com');
    assert.equal(span.attributes['rid.openai.request_id'], 'rewritten-by-gateway');
  });

  it('a downstream that kept our ID: nothing to record', async () => {
    scope.instrument();
    const session = via('api.example.org');
    try {
      await runWithRequestId('vendor-call-2', () => h2Request(session));
    } finally {
      session.close();
    }
    const [span] = await waitForSpans(SpanKind.CLIENT, 1);
    assert.equal(span.attributes['rid.downstream.request_id'], undefined);
  });
});

/** Our CLIENT spans (this package's scope, whichever copy made them). */
function ourClientSpans(): ReadableSpan[] {
  return finishedSpans(SpanKind.CLIENT).filter((s) => s.instrumentationScope.name === '@rid/otel');
}

describe('HTTP/2 clients under two instances, or two copies of the package', () => {
  const scope = useTestScope();
  let downstream: H2TestServer;
  let received: IncomingHttpHeaders[] = [];
  let n = 0;
  beforeEach(async () => {
    received = [];
    downstream = await startH2((server) =>
      server.on('stream', (stream, headers) => {
        received.push(headers);
        stream.respond({ ':status': 200, 'x-amzn-requestid': `h2-call-${++n}` });
        stream.end('{}');
      }),
    );
  });
  afterEach(() => downstream.close());

  /** An HTTP/1.1 app whose handler makes `calls` HTTP/2 calls; resolves with its SERVER span. */
  async function serveCalls(calls: number): Promise<ReadableSpan> {
    const app = await scope.serve(async (_req, res) => {
      const session = h2Connect(downstream.url);
      try {
        for (let i = 0; i < calls; i++) await h2Request(session, { ':path': `/call-${i}` });
      } finally {
        session.close();
      }
      res.end();
    });
    await get(app.url);
    return waitFor('the SERVER span', () => finishedSpans(SpanKind.SERVER).find((s) => s.attributes['server.port'] === app.port));
  }

  /** One CLIENT span per call, ended (exported) and named by the traceparent the server got; one aws.call event per call. */
  async function assertOneCallEach(serverSpan: ReadableSpan, calls: number): Promise<void> {
    await waitFor(`${calls} CLIENT spans`, () => ourClientSpans().length >= calls);
    await new Promise((r) => setImmediate(r));
    const spans = ourClientSpans();
    assert.equal(spans.length, calls, 'one CLIENT span per call');
    assert.equal(received.length, calls);
    const parents = received.map((h) => /^00-[0-9a-f]{32}-([0-9a-f]{16})-0[01]$/.exec(String(h.traceparent))?.[1]);
    assert.deepEqual(new Set(parents), new Set(spans.map((s) => s.spanContext().spanId)), "each traceparent names an exported CLIENT span");
    for (const span of spans) assert.equal(span.parentSpanContext?.spanId, serverSpan.spanContext().spanId);
    assert.deepEqual(
      serverSpan.events.filter((e) => e.name === AWS_CALL_EVENT).map((e) => e.attributes?.[ATTR_AWS_REQUEST_ID]),
      Array.from({ length: calls }, (_, i) => `h2-call-${n - calls + i + 1}`),
      'one aws.call event per call',
    );
    for (const h of received) assert.ok(h['x-request-id'], 'the ID went along');
  }

  it('two instances: one CLIENT span per call, ended, named by the traceparent; one aws.call event', async () => {
    scope.instrument();
    scope.instrument({ algorithm: 'nanoid' });
    await assertOneCallEach(await serveCalls(3), 3);
  });

  it('two copies of the package in one process: the same', async () => {
    scope.instrument();
    const copy = loadSecondCopy();
    let other: RequestIdInstrumentation | undefined;
    try {
      other = new copy.pkg.RequestIdInstrumentation() as unknown as RequestIdInstrumentation;
      await assertOneCallEach(await serveCalls(3), 3);
    } finally {
      other?.disable();
      copy.remove();
    }
  });
});

describe('HTTP/2 clients: where the session connects decides, not :authority', () => {
  const scope = useTestScope();
  let downstream: H2TestServer;
  let received: IncomingHttpHeaders[] = [];
  beforeEach(async () => {
    received = [];
    downstream = await startH2((server) =>
      server.on('stream', (stream, headers) => {
        received.push(headers);
        stream.respond({ ':status': 200, 'x-amz-request-id': ['M0', 'M1'], 'x-request-id': 'req_from_server' });
        stream.end('{}');
      }),
    );
  });
  afterEach(() => downstream.close());

  it("propagateTo: a session to 127.0.0.1 with ':authority: allowed.internal' gets no ID when only allowed.internal is listed, as HTTP/1.1 with that Host", async () => {
    scope.instrument({ propagateTo: ['allowed.internal'] });
    const http1: (string | undefined)[] = [];
    const app = await scope.serve((req, res) => {
      http1.push(req.headers['x-request-id'] as string | undefined);
      res.end();
    });
    await runWithRequestId('authority-id-1', async () => {
      await h2Once(downstream.url, { ':authority': 'allowed.internal' });
      await new Promise<void>((resolve, reject) => http.get(`${app.url}/`, { headers: { host: 'allowed.internal' } }, (res) => res.resume().on('end', resolve)).on('error', reject));
    });
    assert.equal(received[0][':authority'], 'allowed.internal', 'the server saw the name');
    assert.deepEqual([received[0]['x-request-id'], http1[0]], [undefined, undefined], 'neither transport sent the ID');
    const [span] = await waitForSpans(SpanKind.CLIENT, 1);
    assert.equal(ourClientSpans()[0].attributes['server.address'], '127.0.0.1', 'server.address is where the bytes went');
    assert.ok(span);
  });

  it('vendor capture: a session to an unlisted host that names a listed vendor in :authority gets no vendor attribute', async () => {
    scope.instrument();
    await runWithRequestId('authority-id-2', () => h2Once(downstream.url, { ':authority': 'api.openai.com' }));
    await waitFor('our CLIENT span', () => ourClientSpans()[0]);
    const span = ourClientSpans()[0];
    assert.equal(span.attributes['rid.openai.request_id'], undefined, "OpenAI's header only from a session to OpenAI's hosts");
  });

  it('a repeated x-amz-request-id is recorded as its first value, as over HTTP/1.1', async () => {
    scope.instrument();
    const app = await scope.serve((_req, res) => {
      res.setHeader('x-amz-request-id', ['M0', 'M1']);
      res.end();
    });
    await h2Once(downstream.url);
    await get(app.url);
    const h2 = await waitFor('our HTTP/2 CLIENT span', () => ourClientSpans().find((s) => s.attributes['network.protocol.version'] === '2'));
    const h1 = await waitFor('the HTTP/1.1 CLIENT span', () => finishedSpans(SpanKind.CLIENT).find((s) => s.attributes['server.port'] === app.port));
    assert.equal(h1.attributes[ATTR_AWS_REQUEST_ID], 'M0');
    assert.equal(h2.attributes[ATTR_AWS_REQUEST_ID], 'M0');
  });

  it('server.port only for a port from 1 to 65535', async () => {
    scope.instrument();
    // Port 0 in the URL: Node keeps it as the session's authority; the connection goes to the server.
    const session = http2.connect('http://127.0.0.1:0', { createConnection: () => netConnect(downstream.port, '127.0.0.1') });
    session.on('error', () => {});
    try {
      await h2Request(session);
    } finally {
      session.close();
    }
    const [span] = await waitForSpans(SpanKind.CLIENT, 1);
    assert.equal(span.attributes['server.address'], '127.0.0.1');
    assert.equal(span.attributes['server.port'], undefined);
  });
});

describe("HTTP/2 clients in an app started as register's message recommends: --require ./tracing.js (withRequestId()) --require @rid/otel/register", function () {
  this.timeout(30_000);
  let downstream: H2TestServer;
  let receiver: OtlpReceiver;
  let app: ChildApp | undefined;
  let received: IncomingHttpHeaders[] = [];
  let n = 0;
  before(() => ensureBuilt());
  beforeEach(async () => {
    received = [];
    receiver = await startOtlpReceiver();
    downstream = await startH2((server) =>
      server.on('stream', (stream, headers) => {
        received.push(headers);
        stream.respond({ ':status': 200, 'x-amzn-requestid': `child-call-${++n}` });
        stream.end('{}');
      }),
    );
  });
  afterEach(async () => {
    await app?.stop('SIGKILL');
    app = undefined;
    await downstream.close();
    await receiver.close();
  });

  it('one CLIENT span per call, ended and exported, named by the traceparent the server received; one aws.call event per call', async () => {
    const calls = 3;
    app = await startApp(['--require', './h2-tracing.js', '--require', '@rid/otel/register'], 'h2-client-app.js', {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      DOWNSTREAM_URL: downstream.url,
      CALLS: String(calls),
    });
    const res = await get(`${app.url}/call`);
    assert.equal(res.status, 200);
    const id = res.headers['x-request-id'] as string;
    const spans = await receiver.waitFor((all) => all.some((s) => s.kind === 'SERVER' && s.attributes['request.id'] === id) && all.filter((s) => s.attributes['network.protocol.version'] === '2').length >= calls);
    // A little longer: a second CLIENT span per call, if any, would be exported in the same batches.
    await new Promise((r) => setTimeout(r, 300));
    const server = spans.find((s) => s.kind === 'SERVER' && s.attributes['request.id'] === id)!;
    const h2Clients = receiver.spans.filter((s) => s.kind === 'CLIENT' && s.attributes['network.protocol.version'] === '2');
    assert.equal(h2Clients.length, calls, `one HTTP/2 CLIENT span per call: ${h2Clients.map((s) => s.spanId)}`);
    assert.equal(received.length, calls);
    const parents = received.map((h) => /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(h.traceparent)));
    assert.deepEqual(
      parents.map((m) => m?.[2]).sort(),
      h2Clients.map((s) => s.spanId).sort(),
      'each traceparent names an exported CLIENT span: the downstream spans have their parent',
    );
    for (const span of h2Clients) {
      assert.equal(span.traceId, server.traceId);
      assert.equal(span.parentSpanId, server.spanId);
      assert.equal(span.attributes['request.id'], id);
    }
    for (const h of received) assert.equal(h['x-request-id'], id);
    assert.equal(server.events.filter((e) => e.name === AWS_CALL_EVENT).length, calls, 'one aws.call event per call');
  });
});
