import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { get } from '../support/http';
import { ROOT, startApp } from '../support/child-app';
import { useAppAndReceiver } from '../support/app-and-receiver';

const HIDE = join(ROOT, 'test', 'fixtures', 'hide-optional-peers.js');

/**
 * `@opentelemetry/sdk-node` and `@opentelemetry/instrumentation-undici` are optional peers
 * (docs/dependencies.md): the zero-code install has neither, and register must still start.
 */
describe('@rid/otel/register without its optional peers (sdk-node, instrumentation-undici)', function () {
  this.timeout(60000);
  const t = useAppAndReceiver();
  let downstream: http.Server;
  let downstreamUrl: string;

  before(async () => {
    downstream = http.createServer((req, res) => res.end(JSON.stringify({ received: req.headers['x-request-id'] ?? null })));
    await new Promise<void>((r) => downstream.listen(0, '127.0.0.1', r));
    downstreamUrl = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}/`;
  });
  after(() => new Promise((r) => downstream.close(r)));

  it('serves, propagates over http and fetch, and exports the SERVER span with request.id', async () => {
    const app = (t.app = await startApp(['--require', HIDE, '--require', '@rid/otel/register'], 'cjs-app.js', {
      OTEL_EXPORTER_OTLP_ENDPOINT: t.receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      DOWNSTREAM_URL: downstreamUrl,
    }));
    const res = await get(`${app.url}/fanout`, { 'X-Request-Id': 'peers-1' });
    assert.equal(res.headers['x-request-id'], 'peers-1');
    const body = JSON.parse(res.body);
    assert.equal(body.viaHttp.received, 'peers-1');
    assert.equal(body.viaFetch.received, 'peers-1', 'fetch carries the ID without instrumentation-undici');
    const spans = await t.receiver.waitFor((s) => s.some((x) => x.kind === 'SERVER' && x.attributes['request.id'] === 'peers-1'));
    assert.ok(spans.some((s) => s.kind === 'CLIENT' && s.attributes['request.id'] === 'peers-1'), 'the http.get CLIENT span');
    assert.deepEqual(app.stderr.filter((l) => l.includes('@rid/otel')), [], 'nothing to say when nothing needs the missing peers');
  });

  it('OTEL_LOGS_EXPORTER without sdk-node: one stderr line says what to install, and traces are exported', async () => {
    const app = (t.app = await startApp(['--require', HIDE, '--require', '@rid/otel/register'], 'cjs-app.js', {
      OTEL_EXPORTER_OTLP_ENDPOINT: t.receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_LOGS_EXPORTER: 'otlp',
    }));
    const res = await get(app.url, { 'X-Request-Id': 'peers-2' });
    assert.equal(JSON.parse(res.body).seen, 'peers-2');
    await t.receiver.waitFor((s) => s.some((x) => x.kind === 'SERVER' && x.attributes['request.id'] === 'peers-2'));
    const lines = app.stderr.filter((l) => l.includes('@opentelemetry/sdk-node'));
    assert.equal(lines.length, 1, app.stderr.join('\n'));
    assert.match(lines[0], /OTEL_LOGS_EXPORTER="otlp" needs @opentelemetry\/sdk-node.*exporting traces only.*npm install @opentelemetry\/sdk-node/);
  });

  it('OTEL_PROPAGATORS=b3 without sdk-node: the b3 propagator comes from the app, and the trace goes on', async () => {
    const app = (t.app = await startApp(['--require', HIDE, '--require', '@rid/otel/register'], 'cjs-app.js', {
      OTEL_EXPORTER_OTLP_ENDPOINT: t.receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_PROPAGATORS: 'b3,request-id',
    }));
    const traceId = '80f198ee56343ba864fe8b2a57d3eff7';
    await get(app.url, { b3: `${traceId}-e457b5a2e4d86bd1-1`, 'X-Request-Id': 'peers-3' });
    const spans = await t.receiver.waitFor((s) => s.some((x) => x.kind === 'SERVER' && x.attributes['request.id'] === 'peers-3'));
    assert.equal(spans.find((x) => x.kind === 'SERVER')!.traceId, traceId, 'the incoming b3 trace is continued');
    assert.deepEqual(app.stderr.filter((l) => l.includes('b3')), []);
  });
});
