import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { get as tracedGet } from '../support/http';
import { h2Once as tracedH2Once } from '../support/h2';
import { untraced } from '../../bench/lib/untraced';
import { ensureBuilt, startApp, type ChildApp } from '../support/child-app';
import { startOtlpReceiver, type OtlpReceiver } from '../../bench/lib/otlp-receiver';

const HEX32 = /^[0-9a-f]{32}$/;
const REGISTER = ['--require', '@rid/otel/register'];
// In the full suite this process has an SDK too: the test's own calls must bring no trace context.
const get = (...args: Parameters<typeof tracedGet>) => untraced(() => tracedGet(...args));
const h2Once = (...args: Parameters<typeof tracedH2Once>) => untraced(() => tracedH2Once(...args));

/**
 * The request ID as the trace's handle under `@rid/otel/register` (issue 25), set from the
 * environment, with the spans decoded at a local OTLP receiver as Jaeger would store them.
 */
describe('@rid/otel/register: the request ID as the trace handle (child processes)', function () {
  this.timeout(60000);
  let receiver: OtlpReceiver;
  let downstream: http.Server;
  let downstreamUrl: string;
  let apps: ChildApp[] = [];
  before(async () => {
    ensureBuilt();
    downstream = http.createServer((req, res) => res.end(JSON.stringify({ received: req.headers['x-request-id'] ?? null, traceparent: req.headers.traceparent ?? null })));
    await new Promise<void>((r) => downstream.listen(0, '127.0.0.1', r));
    downstreamUrl = `http://127.0.0.1:${(downstream.address() as import('node:net').AddressInfo).port}/`;
  });
  after(() => new Promise((r) => downstream.close(r)));
  beforeEach(async () => {
    receiver = await startOtlpReceiver();
  });
  afterEach(async () => {
    await Promise.all(apps.map((a) => a.stop('SIGKILL')));
    apps = [];
    await receiver.close();
  });

  async function app(script: string, env: Record<string, string>): Promise<ChildApp> {
    const started = await startApp(REGISTER, script, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50', DOWNSTREAM_URL: downstreamUrl, ...env });
    apps.push(started);
    return started;
  }

  it('RID_ALGORITHM=trace_id: the ID is the trace ID of the SERVER span, and of the traceparent and x-request-id sent downstream', async () => {
    const started = await app('cjs-app.js', { RID_ALGORITHM: 'trace_id' });
    const res = await get(`${started.url}/fanout`);
    const id = res.headers['x-request-id'] as string;
    assert.match(id, HEX32);
    const body = JSON.parse(res.body);
    assert.equal(body.seen, id);
    for (const call of [body.viaHttp, body.viaFetch]) {
      assert.equal(call.received, id);
      assert.equal(call.traceparent.split('-')[1], id);
    }
    const spans = await receiver.waitFor((s) => s.some((x) => x.kind === 'SERVER' && x.attributes['request.id'] === id));
    const server = spans.find((x) => x.kind === 'SERVER' && x.attributes['request.id'] === id)!;
    assert.equal(server.traceId, id);
    assert.equal(server.parentSpanId, '', 'the trace starts at the SERVER span');
  });

  it('RID_TRACE_ID_FROM_REQUEST_ID=true: a trusted Envoy UUID becomes the trace ID; with RID_TRUST_INCOMING=false it does not', async () => {
    const envoy = '8b2a0a3c-5f1e-b4d2-9c3e-1a2b3c4d5e6f';
    const trusting = await app('cjs-app.js', { RID_TRACE_ID_FROM_REQUEST_ID: 'true' });
    assert.equal((await get(trusting.url, { 'x-request-id': envoy })).headers['x-request-id'], envoy);
    const untrusting = await app('cjs-app.js', { RID_TRACE_ID_FROM_REQUEST_ID: 'true', RID_TRUST_INCOMING: 'false' });
    const replaced = (await get(untrusting.url, { 'x-request-id': envoy })).headers['x-request-id'] as string;
    assert.notEqual(replaced, envoy);
    const spans = await receiver.waitFor((s) => s.filter((x) => x.kind === 'SERVER').length >= 2);
    const trusted = spans.find((x) => x.kind === 'SERVER' && x.attributes['request.id'] === envoy)!;
    assert.equal(trusted.traceId, envoy.replace(/-/g, ''));
    const untrusted = spans.find((x) => x.kind === 'SERVER' && x.attributes['request.id'] === replaced)!;
    assert.notEqual(untrusted.traceId, envoy.replace(/-/g, ''), 'an untrusted client never chooses the trace ID');
  });

  it("RID_TRACE_RESPONSE=both: traceresponse and Server-Timing name the exported SERVER span; the app's Server-Timing is kept", async () => {
    const started = await app('cjs-app.js', { RID_TRACE_RESPONSE: 'both' });
    const res = await get(`${started.url}/timed`);
    const id = res.headers['x-request-id'] as string;
    const [, traceId, spanId] = String(res.headers.traceresponse).split('-');
    assert.equal(res.headers['server-timing'], `app;dur=3, traceparent;desc="${res.headers.traceresponse}"`);
    const spans = await receiver.waitFor((s) => s.some((x) => x.kind === 'SERVER' && x.attributes['request.id'] === id));
    const server = spans.find((x) => x.kind === 'SERVER' && x.attributes['request.id'] === id)!;
    assert.deepEqual([server.traceId, server.spanId], [traceId, spanId]);
  });

  it('HTTP/2 under register: RID_ALGORITHM=trace_id and RID_TRACE_RESPONSE=traceresponse', async () => {
    const started = await app('h2-server-app.js', { RID_ALGORITHM: 'trace_id', RID_TRACE_RESPONSE: 'traceresponse' });
    const res = await h2Once(started.url);
    const id = res.headers['x-request-id'] as string;
    assert.match(id, HEX32);
    assert.equal(String(res.headers.traceresponse).split('-')[1], id);
    const spans = await receiver.waitFor((s) => s.some((x) => x.kind === 'SERVER' && x.attributes['request.id'] === id));
    assert.equal(spans.find((x) => x.kind === 'SERVER' && x.attributes['request.id'] === id)!.traceId, id);
  });
});
