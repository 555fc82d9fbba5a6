/**
 * What register loads at start-up (bench/startup.ts measures what it costs): for traces alone, not
 * @opentelemetry/sdk-node, which loads every exporter and the metrics and logs SDKs; with metrics
 * or logs asked for, NodeSDK and its own handling of them.
 */
import * as assert from 'node:assert/strict';
import { get } from '../support/http';
import { ensureBuilt, startApp, type ChildApp } from '../support/child-app';
import { startOtlpReceiver, type ReceivedSpan } from '../../bench/lib/otlp-receiver';

describe('@rid/otel/register: what it loads at start-up', function () {
  this.timeout(30_000);
  let app: ChildApp | undefined;
  before(() => ensureBuilt());
  afterEach(async () => {
    await app?.stop('SIGKILL');
    app = undefined;
  });

  async function loaded(env: Record<string, string>): Promise<string[]> {
    app = await startApp(['--require', '@rid/otel/register'], 'loaded-modules.js', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', ...env });
    return JSON.parse((await get(app.url)).body) as string[];
  }

  it('traces only (the default): the tracing SDK, no sdk-node, no exporter until the first export', async () => {
    const packages = await loaded({});
    for (const needed of ['@opentelemetry/sdk-trace', '@opentelemetry/instrumentation-http']) {
      assert.ok(packages.includes(needed), `${needed} in ${packages.join(', ')}`);
    }
    // The OTLP exporter, its serializer and the metrics SDK that serializer requires wait for the first export.
    for (const unneeded of [
      '@opentelemetry/sdk-node',
      '@opentelemetry/exporter-trace-otlp-proto',
      '@opentelemetry/otlp-transformer',
      '@opentelemetry/sdk-metrics',
      '@opentelemetry/exporter-trace-otlp-grpc',
      '@opentelemetry/exporter-metrics-otlp-proto',
      '@opentelemetry/exporter-prometheus',
      '@opentelemetry/exporter-zipkin',
    ]) {
      assert.ok(!packages.includes(unneeded), `${unneeded} is not loaded`);
    }
  });

  it('the first export loads the one exporter chosen, and its first span arrives', async () => {
    const receiver = await startOtlpReceiver();
    try {
      app = await startApp(['--require', '@rid/otel/register'], 'loaded-modules.js', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' });
      const first = await get(app.url);
      assert.ok(!(JSON.parse(first.body) as string[]).includes('@opentelemetry/exporter-trace-otlp-proto'));
      const isFirst = (spans: ReceivedSpan[]): boolean => spans.some((s) => s.kind === 'SERVER' && s.attributes['request.id'] === first.headers['x-request-id']);
      assert.ok(isFirst(await receiver.waitFor(isFirst)), 'the first SERVER span arrived');
      const now = JSON.parse((await get(`${app.url}/now`)).body) as string[];
      assert.ok(now.includes('@opentelemetry/exporter-trace-otlp-proto'), now.join(', '));
      assert.ok(!now.includes('@opentelemetry/exporter-trace-otlp-grpc') && !now.includes('@opentelemetry/exporter-trace-otlp-http'), now.join(', '));
    } finally {
      await receiver.close();
    }
  });

  it('the exporter, made at its first export, uses the OTEL_* variables the process started with', async () => {
    const receiver = await startOtlpReceiver();
    try {
      app = await startApp(['--require', '@rid/otel/register'], 'late-env-app.js', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' });
      const res = await get(app.url);
      // Spans sent where the app pointed its variables since (port 9) would never arrive.
      const arrived = (spans: ReceivedSpan[]): boolean => spans.some((s) => s.kind === 'SERVER' && s.attributes['request.id'] === res.headers['x-request-id']);
      assert.ok(arrived(await receiver.waitFor(arrived)), `the SERVER span arrived at ${receiver.url}: ${app.stderr.join('\n')}`);
    } finally {
      await receiver.close();
    }
  });

  it('OTEL_LOGS_EXPORTER brings NodeSDK in', async () => {
    const packages = await loaded({ OTEL_LOGS_EXPORTER: 'otlp' });
    assert.ok(packages.includes('@opentelemetry/sdk-node'));
    assert.ok(packages.includes('@opentelemetry/sdk-logs'));
  });
});
