import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { get } from '../support/http';
import { ensureBuilt, startApp, type ChildApp } from '../support/child-app';
import { startOtlpReceiver, type OtlpReceiver } from '../../bench/lib/otlp-receiver';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('@rid/otel/register (child processes, spans decoded at a local OTLP receiver)', function () {
  this.timeout(60000);
  let receiver: OtlpReceiver;
  let downstream: http.Server;
  let downstreamUrl: string;
  let apps: ChildApp[] = [];

  before(async () => {
    ensureBuilt();
    downstream = http.createServer((req, res) => res.end(JSON.stringify({ received: req.headers['x-request-id'] ?? null })));
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

  async function app(nodeArgs: string[], script: string, env: Record<string, string> = {}): Promise<ChildApp> {
    const started = await startApp(nodeArgs, script, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      DOWNSTREAM_URL: downstreamUrl,
      ...env,
    });
    apps.push(started);
    return started;
  }

  /** The request's spans as Jaeger would store them: the SERVER span and its two CLIENT calls. */
  async function checkFanout(started: ChildApp): Promise<void> {
    const res = await get(`${started.url}/fanout`);
    const id = res.headers['x-request-id'] as string;
    assert.match(id, UUID_V4);
    const body = JSON.parse(res.body);
    assert.equal(body.seen, id);
    assert.equal(body.viaHttp.received, id, 'http.get carried the ID');
    assert.equal(body.viaFetch.received, id, 'fetch carried the ID');
    const spans = await receiver.waitFor((s) => s.filter((x) => x.attributes['request.id'] === id).length >= 3);
    const mine = spans.filter((s) => s.attributes['request.id'] === id);
    const server = mine.find((s) => s.kind === 'SERVER');
    assert.ok(server, 'the SERVER span reached the collector with request.id');
    assert.equal(typeof server.attributes['request.id'], 'string');
    const clients = mine.filter((s) => s.kind === 'CLIENT' && s.traceId === server.traceId);
    assert.equal(clients.length, 2, `one CLIENT span for http.get and one for fetch, got ${mine.map((s) => `${s.kind} ${s.name}`)}`);
    assert.equal(server.service, 'rid-otel-test-apps', 'the service name defaults to the app package.json name');
  }

  it('CommonJS: node --require @rid/otel/register app.js (protobuf by default, traces only)', async () => {
    // Short export intervals, so that a metrics or logs exporter, if one were started, would show.
    await checkFanout(await app(['--require', '@rid/otel/register'], 'cjs-app.js', { OTEL_METRIC_EXPORT_INTERVAL: '100', OTEL_BLRP_SCHEDULE_DELAY: '100' }));
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(receiver.contentTypes.every((t) => t.includes('protobuf')), receiver.contentTypes.join());
    assert.deepEqual([...new Set(receiver.paths)], ['/v1/traces']);
  });

  it('ESM: node --import @rid/otel/register app.mjs, covering http (a named import) and fetch', async () => {
    await checkFanout(await app(['--import', '@rid/otel/register'], 'esm-app.mjs'));
  });

  it('OTEL_EXPORTER_OTLP_PROTOCOL=http/json and OTEL_SERVICE_NAME are honoured', async () => {
    const started = await app(['--require', '@rid/otel/register'], 'cjs-app.js', {
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'checkout',
    });
    const res = await get(started.url);
    const spans = await receiver.waitFor((s) => s.some((x) => x.attributes['request.id'] === res.headers['x-request-id']));
    assert.equal(spans.find((s) => s.kind === 'SERVER')?.service, 'checkout');
    assert.ok(receiver.contentTypes.every((t) => t.includes('json')), receiver.contentTypes.join());
  });

  it('RID_* variables configure the instrumentation', async () => {
    const started = await app(['--require', '@rid/otel/register'], 'cjs-app.js', {
      RID_HEADER_NAME: 'X-Correlation-Id',
      RID_ALGORITHM: 'ksuid',
      RID_ATTRIBUTE_NAME: 'correlation.id',
    });
    const res = await get(started.url);
    const id = res.headers['x-correlation-id'] as string;
    assert.match(id, /^[0-9A-Za-z]{27}$/);
    const spans = await receiver.waitFor((s) => s.some((x) => x.attributes['correlation.id'] === id));
    assert.ok(spans.some((s) => s.kind === 'SERVER' && s.attributes['correlation.id'] === id));
  });

  it('a bad RID_ALGORITHM prints one clear stderr line, and the app serves with the default', async () => {
    const started = await app(['--require', '@rid/otel/register'], 'cjs-app.js', { RID_ALGORITHM: 'snowflake', RID_RANGE_ID_LENGTH: 'ten' });
    const res = await get(started.url);
    assert.equal(res.status, 200);
    assert.match(res.headers['x-request-id'] as string, UUID_V4);
    const lines = started.stderr.filter((l) => l.includes('RID_'));
    assert.equal(lines.length, 2, started.stderr.join('\n'));
    assert.match(lines.find((l) => l.includes('RID_ALGORITHM'))!, /RID_ALGORITHM="snowflake".*'uuid', 'uuidv7', 'nanoid', 'range_id', 'ksuid'.*default \('uuid'\)/);
    assert.match(lines.find((l) => l.includes('RID_RANGE_ID_LENGTH'))!, /RID_RANGE_ID_LENGTH="ten": expected a whole number; using the default \(16\)/);
  });

  it('OTEL_SDK_DISABLED=true: no spans are sent and the app still serves', async () => {
    const started = await app(['--require', '@rid/otel/register'], 'cjs-app.js', { OTEL_SDK_DISABLED: 'true' });
    for (let i = 0; i < 3; i++) assert.equal((await get(started.url)).status, 200);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(receiver.spans.length, 0);
    assert.equal(receiver.contentTypes.length, 0);
  });

  it('OTEL_TRACES_EXPORTER=console prints one readable line per span', async () => {
    const started = await app(['--require', '@rid/otel/register'], 'cjs-app.js', { OTEL_TRACES_EXPORTER: 'console' });
    const id = (await get(started.url)).headers['x-request-id'] as string;
    const deadline = Date.now() + 5000;
    while (!started.stdout.some((l) => l.startsWith('[span] SERVER')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const line = started.stdout.find((l) => l.startsWith('[span] SERVER'));
    assert.ok(line?.includes(`request.id="${id}"`), started.stdout.join('\n'));
    assert.equal(receiver.spans.length, 0);
  });

  it('an SDK already registered by the app is kept: no second SDK, request IDs added, said once through diag', async () => {
    const started = await app(['--require', './existing-sdk.js', '--require', '@rid/otel/register'], 'cjs-app.js', { OTEL_LOG_LEVEL: 'info' });
    const res = await get(`${started.url}/fanout`);
    const id = res.headers['x-request-id'] as string;
    assert.match(id, UUID_V4);
    assert.equal(JSON.parse(res.body).viaHttp.received, id);
    const spans = await receiver.waitFor((s) => s.some((x) => x.kind === 'SERVER'));
    const servers = spans.filter((s) => s.kind === 'SERVER');
    assert.equal(servers.length, 1, 'one SERVER span: one SDK, one HttpInstrumentation');
    assert.equal(servers[0].service, 'app-own-sdk');
    assert.equal(servers[0].attributes['request.id'], id);
    const said = [...started.stdout, ...started.stderr].filter((l) => l.includes('already registered'));
    assert.equal(said.length, 1, [...started.stdout, ...started.stderr].join('\n'));
  });

  // SIGTERM while requests are in flight (spans delivered = requests answered, exactly) is tested
  // under heavier, mixed load in test/hardening/shutdown.test.ts.

  it("the app's own SIGTERM handler still runs and decides when to exit; spans are flushed", async () => {
    const started = await app(['--require', '@rid/otel/register'], 'cjs-app.js', { APP_SIGTERM_HANDLER: '1', OTEL_BSP_SCHEDULE_DELAY: '60000' });
    const id = (await get(started.url)).headers['x-request-id'];
    started.child.kill('SIGTERM');
    const exit = await started.exited;
    assert.equal(exit.code, 7);
    assert.ok(started.messages.some((m) => m.appHandler === 'ran'));
    assert.ok(receiver.spans.some((s) => s.kind === 'SERVER' && s.attributes['request.id'] === id));
  });

  it('a normal exit flushes the spans', async () => {
    const started = await app(['--require', '@rid/otel/register'], 'exit-after-one.js', { OTEL_BSP_SCHEDULE_DELAY: '60000' });
    const exit = await started.exited;
    assert.equal(exit.code, 0);
    const id = started.messages.find((m) => m.answered)?.answered;
    assert.ok(receiver.spans.some((s) => s.kind === 'SERVER' && s.attributes['request.id'] === id), JSON.stringify(receiver.spans));
  });

  it('an unreachable collector neither blocks nor crashes the app, and SIGTERM still exits promptly', async () => {
    await receiver.close();
    const started = await app(['--require', '@rid/otel/register'], 'cjs-app.js', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    for (let i = 0; i < 20; i++) assert.equal((await get(started.url)).status, 200);
    const t0 = Date.now();
    started.child.kill('SIGTERM');
    const exit = await started.exited;
    assert.equal(exit.signal, 'SIGTERM');
    assert.ok(Date.now() - t0 < 6000, `exited in ${Date.now() - t0} ms`);
    receiver = await startOtlpReceiver();
  });
});
