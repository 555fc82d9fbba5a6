import '../support/otel';
import * as assert from 'node:assert/strict';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { SpanKind } from '@opentelemetry/api';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import Stripe from 'stripe';
import { ATTR_AWS_REQUEST_ID, ATTR_DOWNSTREAM_REQUEST_ID, DOWNSTREAM_CALL_EVENT, RequestIdInstrumentation, type RequestIdInstrumentationConfig } from '../../src';
// The other vendors' names are no longer exported (CHANGELOG 0.2.0): each is `rid.<vendor>.request_id`.
import { BUILT_IN_VENDORS } from '../../src/vendors';
import { MAX_CALL_EVENTS } from '../../src/vendors/vendor';
import { ATTR_ANTHROPIC_REQUEST_ID } from '../../src/vendors/anthropic';
import { ATTR_AZURE_APIM_REQUEST_ID, ATTR_AZURE_REQUEST_ID } from '../../src/vendors/azure';
import { ATTR_CLOUDFLARE_RAY_ID } from '../../src/vendors/cloudflare';
import { ATTR_GITHUB_REQUEST_ID } from '../../src/vendors/github';
import { ATTR_OPENAI_REQUEST_ID } from '../../src/vendors/openai';
import { ATTR_SHOPIFY_REQUEST_ID } from '../../src/vendors/shopify';
import { ATTR_SLACK_REQUEST_ID } from '../../src/vendors/slack';
import { ATTR_STRIPE_REQUEST_ID } from '../../src/vendors/stripe';
import { ATTR_TWILIO_REQUEST_ID } from '../../src/vendors/twilio';
import { get, type TestServer } from '../support/http';
import { useTestScope } from '../support/scope';
import { waitFor } from '../support/wait';
import { diagLines, finishedSpans } from '../support/otel';
import type { ReadableSpan } from '../support/sdk-compat';
import { getFrom, loopbackAgent, loopbackDispatcher, loopbackFetch } from '../support/vendor-hosts';
import { VendorTable } from '../../src/vendors/host-table';
import { idsFromHeaderObject, sentInHeaderObject } from '../../src/capture/response-headers';
import { downstream } from '../../src/vendors/downstream';

/** Every attribute this package's capture writes: `rid.*` and `aws.*`. */
function capturedOf(attributes: Record<string, unknown> | undefined): Record<string, unknown> {
  const found: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes ?? {})) if (key.startsWith('rid.') || key.startsWith('aws.')) found[key] = value;
  return found;
}

/** HttpInstrumentation's CLIENT spans to this host and port. */
function httpClientSpans(host: string, port: number): ReadableSpan[] {
  return finishedSpans(SpanKind.CLIENT).filter(
    (s) => s.instrumentationScope.name === '@opentelemetry/instrumentation-http' && s.attributes['server.port'] === port && s.attributes['server.address'] === host,
  );
}

const ourSpans = (): ReadableSpan[] => finishedSpans().filter((s) => s.instrumentationScope.name === '@rid/otel');
const serverSpanOn = (port: number): ReadableSpan | undefined =>
  finishedSpans(SpanKind.SERVER).find((s) => s.attributes['server.port'] === port);
const callEvents = (span: ReadableSpan) => span.events.filter((e) => e.name === AWS_LIKE || /^rid\.[a-z_]+\.call$/.test(e.name));
const AWS_LIKE = 'aws.call';

describe('vendor request IDs', () => {
  const scope = useTestScope();
  const instrument = (config?: RequestIdInstrumentationConfig): RequestIdInstrumentation => scope.instrument(config);
  /** Agents and dispatchers the SDKs were given, closed after each test. */
  let closeAfter: { close(): Promise<void> | void }[] = [];

  /** A vendor stand-in on 127.0.0.1 that answers every request with `headers` (a function: per request). */
  async function vendor(headers: OutgoingHttpHeaders | ((req: IncomingMessage) => OutgoingHttpHeaders), body = '{}'): Promise<TestServer> {
    return scope.serve((req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json', ...(typeof headers === 'function' ? headers(req) : headers) });
      res.end(body);
    });
  }

  async function app(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<TestServer> {
    return scope.serve((req, res) => {
      handler(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
  }

  afterEach(async () => {
    await Promise.all(closeAfter.map((c) => c.close()));
    closeAfter = [];
    assert.deepEqual(
      diagLines.filter((l) => l.level === 'error'),
      [],
      'no internal failure reported',
    );
  });

  describe('official SDKs against local servers under the real host names', () => {
    it('openai (fetch): rid.openai.request_id on our span of the call and on the rid.openai.call event, equal to the SDK\'s _request_id', async () => {
      instrument();
      let n = 0;
      const api = await vendor(() => ({ 'x-request-id': `req_openai${++n}`, 'openai-processing-ms': '12' }), JSON.stringify({ id: 'gpt-test', object: 'model', created: 0, owned_by: 'openai' }));
      const dispatcher = loopbackDispatcher();
      closeAfter.push({ close: () => dispatcher.close() });
      const client = new OpenAI({ apiKey: 'sk-test', baseURL: `http://api.openai.com:${api.port}/v1`, maxRetries: 0, fetch: loopbackFetch(dispatcher) });
      let sdkId: string | null | undefined;
      const server = await app(async (_req, res) => {
        const model = await client.models.retrieve('gpt-test');
        sdkId = model._request_id;
        res.end('ok');
      });
      const id = (await get(server.url)).headers['x-request-id'];
      assert.equal(sdkId, 'req_openai1');
      const ours = await waitFor('our span', () => ourSpans()[0]);
      assert.equal(ours.attributes[ATTR_OPENAI_REQUEST_ID], 'req_openai1');
      assert.equal(ours.attributes['server.address'], 'api.openai.com');
      assert.equal(ours.attributes['request.id'], id);
      assert.deepEqual(capturedOf(ours.attributes), { [ATTR_OPENAI_REQUEST_ID]: 'req_openai1' }, 'our X-Request-Id went to OpenAI, but its x-request-id is OpenAI\'s, not a downstream echo');
      const serverSpan = await waitFor('the SERVER span', () => serverSpanOn(server.port));
      const events = serverSpan.events.filter((e) => e.name === 'rid.openai.call');
      assert.equal(events.length, 1);
      assert.equal(events[0].attributes![ATTR_OPENAI_REQUEST_ID], 'req_openai1');
      assert.equal(events[0].attributes!['server.address'], 'api.openai.com');
      assert.equal(events[0].attributes!['http.response.status_code'], 200);
    });

    it('@anthropic-ai/sdk (fetch): rid.anthropic.request_id from `request-id`, equal to the SDK\'s _request_id', async () => {
      instrument();
      const api = await vendor({ 'request-id': 'req_011Anthropic' }, JSON.stringify({ type: 'model', id: 'claude-test', display_name: 'Claude', created_at: '2026-01-01T00:00:00Z' }));
      const dispatcher = loopbackDispatcher();
      closeAfter.push({ close: () => dispatcher.close() });
      const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: `http://api.anthropic.com:${api.port}`, maxRetries: 0, fetch: loopbackFetch(dispatcher) });
      const model = await client.models.retrieve('claude-test');
      assert.equal(model._request_id, 'req_011Anthropic');
      const ours = await waitFor('our span', () => ourSpans()[0]);
      assert.deepEqual(capturedOf(ours.attributes), { [ATTR_ANTHROPIC_REQUEST_ID]: 'req_011Anthropic' });
      assert.equal(ours.attributes['server.address'], 'api.anthropic.com');
    });

    it('stripe (node:http): rid.stripe.request_id on HttpInstrumentation\'s CLIENT span, equal to lastResponse.requestId', async () => {
      instrument();
      const api = await vendor({ 'request-id': 'req_StripeAbc123', 'stripe-version': '2026-01-01' }, JSON.stringify({ id: 'cus_1', object: 'customer' }));
      const agent = loopbackAgent();
      closeAfter.push({ close: () => agent.destroy() });
      const stripe = new Stripe('sk_test_fake', { host: 'api.stripe.com', port: api.port, protocol: 'http', httpAgent: agent, maxNetworkRetries: 0, telemetry: false });
      const server = await app(async (_req, res) => {
        const customer = await stripe.customers.retrieve('cus_1');
        res.end(customer.lastResponse.requestId);
      });
      const res = await get(server.url);
      assert.equal(res.body, 'req_StripeAbc123');
      const [span] = await waitFor('the CLIENT span', () => httpClientSpans('api.stripe.com', api.port).length > 0 && httpClientSpans('api.stripe.com', api.port));
      assert.deepEqual(capturedOf(span.attributes), { [ATTR_STRIPE_REQUEST_ID]: 'req_StripeAbc123' });
      assert.equal(ourSpans().length, 0, 'no span of ours next to HttpInstrumentation\'s');
      const serverSpan = await waitFor('the SERVER span', () => serverSpanOn(server.port));
      assert.deepEqual(
        serverSpan.events.filter((e) => e.name === 'rid.stripe.call').map((e) => e.attributes![ATTR_STRIPE_REQUEST_ID]),
        ['req_StripeAbc123'],
      );
    });
  });

  describe('every built-in vendor, over node:http, under its real host name', () => {
    const cases: [string, OutgoingHttpHeaders, Record<string, string>][] = [
      ['api.github.com', { 'X-GitHub-Request-Id': 'CC0E:3A8F:1B2C3D:4E5F6A:67890ABC' }, { [ATTR_GITHUB_REQUEST_ID]: 'CC0E:3A8F:1B2C3D:4E5F6A:67890ABC' }],
      [
        'myaccount.blob.core.windows.net',
        { 'x-ms-request-id': '9b1e0c2a-701e-0042-3c5e-0a1b2c000000', 'apim-request-id': 'd1f0e0a2-aaaa-bbbb-cccc-0123456789ab' },
        { [ATTR_AZURE_REQUEST_ID]: '9b1e0c2a-701e-0042-3c5e-0a1b2c000000', [ATTR_AZURE_APIM_REQUEST_ID]: 'd1f0e0a2-aaaa-bbbb-cccc-0123456789ab' },
      ],
      ['api.twilio.com', { 'Twilio-Request-Id': 'RQ0123456789abcdef0123456789abcdef' }, { [ATTR_TWILIO_REQUEST_ID]: 'RQ0123456789abcdef0123456789abcdef' }],
      ['api.cloudflare.com', { 'CF-RAY': '8f1c2d3e4a5b6c7d-IAD' }, { [ATTR_CLOUDFLARE_RAY_ID]: '8f1c2d3e4a5b6c7d-IAD' }],
      ['slack.com', { 'x-slack-req-id': 'a1b2c3d4e5f60718293a4b5c6d7e8f90' }, { [ATTR_SLACK_REQUEST_ID]: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' }],
      ['my-shop.myshopify.com', { 'X-Request-Id': 'shopify-7d3e2c1b' }, { [ATTR_SHOPIFY_REQUEST_ID]: 'shopify-7d3e2c1b' }],
    ];
    for (const [host, headers, expected] of cases) {
      it(`${host}: ${Object.keys(expected).join(', ')}`, async () => {
        instrument();
        const api = await vendor(headers);
        await getFrom(host, api.port);
        const [span] = await waitFor('the CLIENT span', () => httpClientSpans(host, api.port).length > 0 && httpClientSpans(host, api.port));
        assert.deepEqual(capturedOf(span.attributes), expected);
      });
    }

    it('each built-in entry names at least one host and one header, and only AWS uses the semconv aws.* names', () => {
      for (const v of BUILT_IN_VENDORS) {
        assert.ok(v.hosts.length > 0 && v.ids.length > 0, v.name);
        for (const id of v.ids) {
          if (v.name === 'aws') assert.match(id.attribute, /^(rid\.)?aws\./);
          else assert.ok(id.attribute.startsWith(`rid.${v.name}.`), id.attribute);
        }
        assert.ok(v.name === 'aws' ? v.callEvent === 'aws.call' : v.callEvent === `rid.${v.name}.call`, v.callEvent);
      }
    });
  });

  describe('host matching', () => {
    it('a host no vendor lists: request-id, cf-ray, x-slack-req-id, twilio-request-id and an unchanged X-Request-Id echo are never recorded, and the call gets no span of ours', async () => {
      instrument();
      const api = await vendor((req) => ({
        'request-id': 'req_not_a_vendor',
        'cf-ray': '8f1c2d3e4a5b6c7d-IAD',
        'x-slack-req-id': 'not-slack',
        'twilio-request-id': 'RQnot',
        'x-request-id': req.headers['x-request-id'] ?? 'not-ours',
      }));
      const dispatcher = loopbackDispatcher();
      closeAfter.push({ close: () => dispatcher.close() });
      const server = await app(async (_req, res) => {
        await getFrom('api.example.com', api.port);
        await (await fetch(`http://api.example.com:${api.port}/`, { dispatcher } as unknown as RequestInit)).text();
        res.end('ok');
      });
      await get(server.url);
      const serverSpan = await waitFor('the SERVER span', () => serverSpanOn(server.port));
      await waitFor('the http CLIENT span', () => httpClientSpans('api.example.com', api.port).length > 0);
      await new Promise((r) => setTimeout(r, 20));
      for (const span of finishedSpans()) assert.deepEqual(capturedOf(span.attributes), {}, span.name);
      assert.equal(callEvents(serverSpan).length, 0);
      assert.equal(ourSpans().length, 0);
    });

    it("a vendor's header from another vendor's host is that host's vendor's, or nothing: request-id from api.openai.com is not Anthropic's", async () => {
      instrument();
      const api = await vendor({ 'request-id': 'req_anthropic_like', 'x-request-id': 'req_openai' });
      await getFrom('api.openai.com', api.port);
      const [span] = await waitFor('the CLIENT span', () => httpClientSpans('api.openai.com', api.port).length > 0 && httpClientSpans('api.openai.com', api.port));
      assert.deepEqual(capturedOf(span.attributes), { [ATTR_OPENAI_REQUEST_ID]: 'req_openai' });
    });

    it('a look-alike host is not the vendor: api.openai.com.example.net and notstripe.com', async () => {
      instrument();
      const api = await vendor({ 'request-id': 'req_x', 'x-request-id': 'req_y' });
      for (const host of ['api.openai.com.example.net', 'notstripe.com']) await getFrom(host, api.port);
      const spans = await waitFor('two CLIENT spans', () => finishedSpans(SpanKind.CLIENT).length >= 2 && finishedSpans(SpanKind.CLIENT));
      for (const span of spans) assert.deepEqual(capturedOf(span.attributes), {}, String(span.attributes['server.address']));
    });

    it('host names match in any case (API.Stripe.COM)', async () => {
      instrument();
      const api = await vendor({ 'Request-Id': 'req_upper' });
      await getFrom('API.Stripe.COM', api.port);
      const span = await waitFor('the CLIENT span', () => finishedSpans(SpanKind.CLIENT)[0]);
      assert.equal(span.attributes[ATTR_STRIPE_REQUEST_ID], 'req_upper');
    });
  });

  describe('the downstream echo', () => {
    it('a downstream that answers with another X-Request-Id than ours: rid.downstream.request_id on the CLIENT span and a rid.downstream.call event, for http and fetch, whatever the host', async () => {
      instrument();
      let n = 0;
      const downstream = await vendor(() => ({ 'X-Request-Id': `theirs-${++n}` }));
      const server = await app(async (_req, res) => {
        await getFrom('orders.internal', downstream.port);
        await (await fetch(`http://127.0.0.1:${downstream.port}/`)).text();
        res.end('ok');
      });
      const ours = (await get(server.url)).headers['x-request-id'];
      const [http] = await waitFor('the http CLIENT span', () => httpClientSpans('orders.internal', downstream.port).length > 0 && httpClientSpans('orders.internal', downstream.port));
      assert.deepEqual(capturedOf(http.attributes), { [ATTR_DOWNSTREAM_REQUEST_ID]: 'theirs-1' });
      assert.equal(http.attributes['request.id'], ours);
      const fetchSpan = await waitFor('our span for the fetch call', () => ourSpans()[0]);
      assert.deepEqual(capturedOf(fetchSpan.attributes), { [ATTR_DOWNSTREAM_REQUEST_ID]: 'theirs-2' });
      const serverSpan = await waitFor('the SERVER span', () => serverSpanOn(server.port));
      assert.deepEqual(
        serverSpan.events.filter((e) => e.name === DOWNSTREAM_CALL_EVENT).map((e) => [e.attributes!['server.address'], e.attributes![ATTR_DOWNSTREAM_REQUEST_ID]]),
        [
          ['orders.internal', 'theirs-1'],
          ['127.0.0.1', 'theirs-2'],
        ],
      );
    });

    it('not recorded when the call carried no ID (outside a request, or propagateTo kept it back) or the downstream kept ours', async () => {
      instrument({ propagateTo: ['kept.internal'] });
      const downstream = await vendor((req) => ({ 'x-request-id': req.url === '/keep' ? String(req.headers['x-request-id']) : 'theirs' }));
      await getFrom('kept.internal', downstream.port, '/other'); // outside a request: no ID sent
      const server = await app(async (_req, res) => {
        await getFrom('withheld.internal', downstream.port, '/other'); // propagateTo: no ID sent
        await getFrom('kept.internal', downstream.port, '/keep'); // sent, and echoed unchanged
        res.end('ok');
      });
      await get(server.url);
      const serverSpan = await waitFor('the SERVER span', () => serverSpanOn(server.port));
      await waitFor('three CLIENT spans', () => finishedSpans(SpanKind.CLIENT).filter((s) => s.attributes['server.port'] === downstream.port).length >= 3);
      for (const span of finishedSpans()) assert.deepEqual(capturedOf(span.attributes), {}, span.name);
      assert.equal(callEvents(serverSpan).length, 0);
    });

    it('the configured headerName is the one compared (Correlation-Id)', async () => {
      instrument({ headerName: 'Correlation-Id' });
      const downstream = await vendor({ 'correlation-id': 'theirs', 'x-request-id': 'not-our-header' });
      const server = await app(async (_req, res) => {
        await getFrom('billing.internal', downstream.port);
        res.end('ok');
      });
      await get(server.url);
      const [span] = await waitFor('the CLIENT span', () => httpClientSpans('billing.internal', downstream.port).length > 0 && httpClientSpans('billing.internal', downstream.port));
      assert.deepEqual(capturedOf(span.attributes), { [ATTR_DOWNSTREAM_REQUEST_ID]: 'theirs' });
    });
  });

  describe('configuration', () => {
    it('customVendors: a user entry is recorded from its hosts only, under its attribute and event', async () => {
      instrument({ customVendors: [{ name: 'acme', hosts: ['*.acme.test', /^payments\.corp$/], headers: ['X-Acme-Trace', 'x-acme-fallback'] }] });
      const api = await vendor({ 'x-acme-trace': 'acme-1', 'x-acme-fallback': 'acme-fallback' });
      const server = await app(async (_req, res) => {
        await getFrom('api.acme.test', api.port);
        await getFrom('payments.corp', api.port);
        await getFrom('acme.test.example.com', api.port);
        res.end('ok');
      });
      await get(server.url);
      const serverSpan = await waitFor('the SERVER span', () => serverSpanOn(server.port));
      const spans = await waitFor('three CLIENT spans', () => {
        const s = finishedSpans(SpanKind.CLIENT).filter((x) => x.attributes['server.port'] === api.port);
        return s.length >= 3 && s;
      });
      const byHost = Object.fromEntries(spans.map((s) => [s.attributes['server.address'], capturedOf(s.attributes)]));
      assert.deepEqual(byHost, {
        'api.acme.test': { 'rid.acme.request_id': 'acme-1' },
        'payments.corp': { 'rid.acme.request_id': 'acme-1' },
        'acme.test.example.com': {},
      });
      assert.equal(serverSpan.events.filter((e) => e.name === 'rid.acme.call').length, 2);
    });

    it('customVendors: attributeName, and a user entry claims a header before the built-in for the same host', async () => {
      instrument({ customVendors: [{ name: 'llm_gateway', hosts: 'api.openai.com', headers: 'x-request-id', attributeName: 'llm.gateway.request_id' }] });
      const api = await vendor({ 'x-request-id': 'gw-1' });
      await getFrom('api.openai.com', api.port);
      const span = await waitFor('the CLIENT span', () => finishedSpans(SpanKind.CLIENT)[0]);
      assert.deepEqual(capturedOf(span.attributes), {});
      assert.equal(span.attributes['llm.gateway.request_id'], 'gw-1');
      assert.equal(span.attributes[ATTR_OPENAI_REQUEST_ID], undefined);
    });

    it("captureVendorRequestIds: ['stripe'] records Stripe and AWS only; false records AWS only; setConfig applies at once", async () => {
      const inst = instrument({ captureVendorRequestIds: ['stripe'] });
      const api = await vendor({ 'request-id': 'req_s', 'x-request-id': 'req_o', 'x-amzn-RequestId': 'aws-1' });
      await getFrom('api.stripe.com', api.port, '/one');
      await getFrom('api.openai.com', api.port, '/one');
      inst.setConfig({ captureVendorRequestIds: false });
      await getFrom('api.stripe.com', api.port, '/two');
      const spans = await waitFor('three CLIENT spans', () => finishedSpans(SpanKind.CLIENT).length >= 3 && finishedSpans(SpanKind.CLIENT));
      const seen = spans.map((s) => [s.attributes['server.address'], new URL(String(s.attributes['url.full'] ?? s.attributes['http.url'])).pathname, capturedOf(s.attributes)]);
      assert.deepEqual(seen, [
        ['api.stripe.com', '/one', { [ATTR_STRIPE_REQUEST_ID]: 'req_s', [ATTR_AWS_REQUEST_ID]: 'aws-1' }],
        ['api.openai.com', '/one', { [ATTR_AWS_REQUEST_ID]: 'aws-1' }],
        ['api.stripe.com', '/two', { [ATTR_AWS_REQUEST_ID]: 'aws-1' }],
      ]);
    });

    it('captureAwsRequestIds: false and captureVendorRequestIds: false: nothing is recorded, not even the echo', async () => {
      instrument({ captureAwsRequestIds: false, captureVendorRequestIds: false });
      const api = await vendor({ 'request-id': 'req_s', 'x-amzn-RequestId': 'aws-1', 'x-request-id': 'theirs' });
      const server = await app(async (_req, res) => {
        await getFrom('api.stripe.com', api.port);
        res.end('ok');
      });
      await get(server.url);
      await waitFor('the SERVER span', () => serverSpanOn(server.port));
      const span = await waitFor('the CLIENT span', () => httpClientSpans('api.stripe.com', api.port)[0]);
      assert.deepEqual(capturedOf(span.attributes), {});
    });
  });

  it('the transport seam for a headers object (node:http2): host table once, then the response headers and what the call sent', () => {
    const table = new VendorTable([...BUILT_IN_VENDORS, downstream(['x-request-id'])]);
    const sent = { ':method': 'POST', 'x-request-id': 'ours' };
    const openaiIds = idsFromHeaderObject(table.forHost('api.openai.com'), { ':status': 200, 'x-request-id': 'req_h2', 'x-amzn-requestid': 'aws-h2' }, sent, sentInHeaderObject);
    assert.deepEqual(openaiIds?.toAttributes(), { [ATTR_OPENAI_REQUEST_ID]: 'req_h2', [ATTR_AWS_REQUEST_ID]: 'aws-h2' });
    assert.equal(openaiIds?.vendor.callEvent, 'aws.call', 'one event per call, named after the first entry with an ID');
    const echo = idsFromHeaderObject(table.forHost('orders.internal'), { ':status': 200, 'x-request-id': ['theirs', 'again'], 'request-id': 'x' }, sent, sentInHeaderObject);
    assert.deepEqual(echo?.toAttributes(), { [ATTR_DOWNSTREAM_REQUEST_ID]: 'theirs' });
    assert.equal(idsFromHeaderObject(table.forHost('orders.internal'), { ':status': 200, 'x-request-id': 'ours' }, sent, sentInHeaderObject), undefined);
    assert.equal(idsFromHeaderObject(table.forHost('orders.internal'), { 'x-request-id': 'theirs' }, {}, sentInHeaderObject), undefined, 'the call carried no ID');
    assert.equal(table.forHost('a.example'), table.forHost('b.example'), 'every unlisted host shares one table');
  });

  it(`at most ${MAX_CALL_EVENTS} rid.slack.call events per request; the rest are counted in rid.slack.calls.dropped`, async () => {
    instrument();
    let n = 0;
    const api = await vendor(() => ({ 'x-slack-req-id': `slack-${++n}` }));
    const calls = MAX_CALL_EVENTS + 2;
    const server = await app(async (_req, res) => {
      for (let i = 0; i < calls; i++) await getFrom('slack.com', api.port);
      res.end('ok');
    });
    await get(server.url);
    const serverSpan = await waitFor('the SERVER span', () => serverSpanOn(server.port));
    const events = serverSpan.events.filter((e) => e.name === 'rid.slack.call');
    assert.equal(events.length, MAX_CALL_EVENTS);
    assert.equal(events[MAX_CALL_EVENTS - 1].attributes![ATTR_SLACK_REQUEST_ID], `slack-${MAX_CALL_EVENTS}`);
    assert.equal(serverSpan.attributes['rid.slack.calls.dropped'], 2);
  });
});
