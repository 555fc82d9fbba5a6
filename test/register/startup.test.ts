/**
 * What register loads at start-up (bench/startup.ts measures what it costs): for traces alone, not
 * @opentelemetry/sdk-node, which loads every exporter and the metrics and logs SDKs; with metrics
 * or logs asked for, NodeSDK and its own handling of them.
 */
import * as assert from 'node:assert/strict';
import { get } from '../support/http';
import { ensureBuilt, startApp, type ChildApp } from '../support/child-app';

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

  it('traces only (the default): the tracing SDK and the one exporter chosen, no sdk-node, no other exporter', async () => {
    const packages = await loaded({});
    for (const needed of ['@opentelemetry/sdk-trace', '@opentelemetry/exporter-trace-otlp-proto', '@opentelemetry/instrumentation-http']) {
      assert.ok(packages.includes(needed), `${needed} in ${packages.join(', ')}`);
    }
    // (sdk-metrics is loaded all the same: the OTLP exporter's serializer package requires it.)
    for (const unneeded of ['@opentelemetry/sdk-node', '@opentelemetry/exporter-trace-otlp-grpc', '@opentelemetry/exporter-metrics-otlp-proto', '@opentelemetry/exporter-prometheus', '@opentelemetry/exporter-zipkin']) {
      assert.ok(!packages.includes(unneeded), `${unneeded} is not loaded`);
    }
  });

  it('OTEL_LOGS_EXPORTER brings NodeSDK in', async () => {
    const packages = await loaded({ OTEL_LOGS_EXPORTER: 'otlp' });
    assert.ok(packages.includes('@opentelemetry/sdk-node'));
    assert.ok(packages.includes('@opentelemetry/sdk-logs'));
  });
});
