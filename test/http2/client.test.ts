import '../support/otel';
import * as assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import type { IncomingHttpHeaders } from 'node:http2';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { getRequestId, runWithRequestId } from '../../src';
import { finishedSpans, waitForSpans } from '../support/otel';
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
