/**
 * One flag for request IDs on every auto-instrumented span: with
 * @opentelemetry/auto-instrumentations-node installed (it is, in this repository), `--require
 * @rid/otel/register` runs its instrumentations, as its own register picks them, with
 * RequestIdSpanProcessor on every span. Child processes; spans decoded at a local OTLP receiver.
 */
import * as assert from 'node:assert/strict';
import { get } from '../support/http';
import { ensureBuilt, startApp, type ChildApp } from '../support/child-app';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../bench/lib/otlp-receiver';

describe('@rid/otel/register with @opentelemetry/auto-instrumentations-node installed', function () {
  this.timeout(60_000);
  let receiver: OtlpReceiver;
  let app: ChildApp | undefined;

  before(() => ensureBuilt());
  beforeEach(async () => {
    receiver = await startOtlpReceiver();
  });
  afterEach(async () => {
    await app?.stop('SIGKILL');
    app = undefined;
    await receiver.close();
  });

  async function run(nodeArgs: string[], env: Record<string, string> = {}): Promise<{ id: string; trace: ReceivedSpan[] }> {
    app = await startApp(nodeArgs, 'auto-app.js', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50', ...env });
    const res = await get(`${app.url}/lookup`);
    assert.equal(res.status, 200, res.body);
    const id = res.headers['x-request-id'] as string;
    assert.equal(JSON.parse(res.body).seen, id);
    const isServer = (s: ReceivedSpan): boolean => s.kind === 'SERVER' && s.attributes['request.id'] === id;
    const server = (await receiver.waitFor((spans) => spans.some(isServer))).find(isServer);
    assert.ok(server, 'the SERVER span reached the collector with request.id');
    // Let the batch carrying the rest of the trace arrive.
    await receiver.waitFor((spans) => spans.some((s) => s.traceId === server.traceId && s.name.startsWith('dns.')), 2000);
    return { id, trace: receiver.spans.filter((s) => s.traceId === server.traceId) };
  }

  const expressSpans = (trace: ReceivedSpan[]): ReceivedSpan[] => trace.filter((s) => s.attributes['express.type'] !== undefined);
  const dnsSpans = (trace: ReceivedSpan[]): ReceivedSpan[] => trace.filter((s) => s.name.startsWith('dns.'));

  it('one flag: express and dns spans (and every other span of the request) carry request.id', async () => {
    const { id, trace } = await run(['--require', '@rid/otel/register']);
    assert.ok(expressSpans(trace).length >= 2, `express middleware and handler spans: ${trace.map((s) => s.name).join(', ')}`);
    assert.ok(dnsSpans(trace).length >= 1, `a dns span: ${trace.map((s) => s.name).join(', ')}`);
    for (const span of trace) assert.equal(span.attributes['request.id'], id, `${span.name} carries request.id`);
    assert.deepEqual(app!.stderr, []);
  });

  it('OTEL_NODE_DISABLED_INSTRUMENTATIONS and OTEL_NODE_ENABLED_INSTRUMENTATIONS are honoured, as by its own register', async () => {
    const disabled = await run(['--require', '@rid/otel/register'], { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'express' });
    assert.deepEqual(expressSpans(disabled.trace), []);
    assert.equal(dnsSpans(disabled.trace)[0]?.attributes['request.id'], disabled.id);
    await app!.stop('SIGKILL');

    const enabled = await run(['--require', '@rid/otel/register'], { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,express,dns' });
    assert.ok(expressSpans(enabled.trace).length >= 2);
    for (const span of enabled.trace) assert.equal(span.attributes['request.id'], enabled.id, span.name);
  });

  it('both flags: one stderr line says what is missing and which single flag to use', async () => {
    app = await startApp(['--require', '@opentelemetry/auto-instrumentations-node/register', '--require', '@rid/otel/register'], 'auto-app.js', {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_NODE_RESOURCE_DETECTORS: 'env',
    });
    const res = await get(`${app.url}/lookup`);
    assert.match(res.headers['x-request-id'] as string, /^[0-9a-f-]{36}$/, 'request IDs still work');
    const lines = app.stderr.filter((l) => l.startsWith('@rid/otel'));
    assert.equal(lines.length, 1, app.stderr.join('\n'));
    assert.match(lines[0], /auto-instrumentations-node\/register started the SDK first/);
    assert.match(lines[0], /lack request\.id/);
    assert.match(lines[0], /--require @rid\/otel\/register alone/);
  });
});
