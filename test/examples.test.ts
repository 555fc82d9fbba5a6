import * as assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as http from 'node:http';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { get } from './support/http';
import { cleanEnv, ensureBuilt, ROOT } from './support/child-app';
import { startOtlpReceiver } from '../bench/lib/otlp-receiver';

const run = promisify(execFile);
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Starts an example as the README says, from the repository root; resolves at "listening on <url>". */
async function startExample(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: cleanEnv({ PORT: '0', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => output.push(l));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${output.join('\n')}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      const m = /listening on (\S+)/.exec(line);
      if (m) resolve(m[1]);
    });
  });
  return {
    url,
    output,
    stop: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('exit');
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function post(url: string, body: unknown): Promise<{ status: number; id: string; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, id: res.headers['x-request-id'] as string, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('examples and the demo (child processes, as the README runs them)', function () {
  this.timeout(60000);
  before(() => ensureBuilt());

  it('npm run demo: exits 0 and shows the echoed IDs, the fan-out and the spans with request and AWS IDs', async () => {
    const { stdout } = await run(process.execPath, ['examples/demo/run.js'], { cwd: ROOT, env: cleanEnv({}), timeout: 50000 });
    assert.match(stdout, /X-Request-Id: demo-client-id-42/);
    const fanout = /X-Request-Id: (\S+)\n {2}inventory received X-Request-Id: (\S+) \(http\.get\), (\S+) \(fetch\)/.exec(stdout);
    assert.ok(fanout, stdout);
    assert.equal(fanout[2], fanout[1]);
    assert.equal(fanout[3], fanout[1]);
    assert.match(stdout, /request\.id\.original="bad id <script>"/);
    assert.match(stdout, /checkout {2}\[span\] CLIENT PUT .* aws\.request_id="[A-Z0-9]{16}" aws\.extended_request_id=/);
    assert.match(stdout, /event aws\.call /);
    assert.match(stdout, new RegExp(`inventory \\[span\\] SERVER GET .*request\\.id="${fanout[1]}"`));
    // Each span says where it comes from: the operation spans are auto-instrumentations-node's, a
    // dev dependency of the clone, not something an app with only @rid/otel gets.
    assert.match(stdout, /checkout {2}\[span\] CLIENT S3\.PutObject .* from=@opentelemetry\/instrumentation-aws-sdk /);
    assert.match(stdout, /checkout {2}\[span\] CLIENT PUT .* from=@opentelemetry\/instrumentation-http /);
    assert.match(stdout, /\n {2}@opentelemetry\/instrumentation-aws-sdk: .*from auto-instrumentations-node, a dev dependency of this clone/);
    assert.match(stdout, /\n {2}@opentelemetry\/instrumentation-http: .*every app gets them/);
  });

  it('express/: body parsing keeps the ID, and a throwing route answers 500 with it', async () => {
    const app = await startExample(['--require', '@rid/otel/register', 'examples/express/app.js'], { OTEL_TRACES_EXPORTER: 'none' });
    try {
      const created = await post(`${app.url}/orders`, { sku: 'A1' });
      assert.equal(created.status, 201);
      assert.match(created.id, UUID_V4);
      assert.equal(created.body.requestId, created.id);
      assert.ok(app.output.some((l) => l.includes(`[${created.id}] order for A1`)));
      const boom = await get(`${app.url}/boom`);
      assert.equal(boom.status, 500);
      assert.match(boom.headers['x-request-id'] as string, UUID_V4);
    } finally {
      await app.stop();
    }
  });

  it('existing-sdk/: NodeSDK + getNodeAutoInstrumentations() + withRequestId(): every span carries request.id', async () => {
    const receiver = await startOtlpReceiver();
    const app = await startExample(['--require', './examples/existing-sdk/tracing.js', 'examples/existing-sdk/app.js'], {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_SERVICE_NAME: 'existing-sdk-example',
    });
    try {
      const res = await get(`${app.url}/hello`);
      const id = res.headers['x-request-id'] as string;
      assert.match(id, UUID_V4);
      assert.equal(JSON.parse(res.body).requestId, id);
      const spans = await receiver.waitFor((s) => s.some((x) => x.kind === 'SERVER') && s.some((x) => x.name.includes('request handler')));
      const trace = spans.filter((s) => s.traceId === spans.find((x) => x.kind === 'SERVER')!.traceId);
      assert.ok(trace.length >= 3, `express spans as well as the SERVER span: ${trace.map((s) => s.name)}`);
      for (const span of trace) assert.equal(span.attributes['request.id'], id, `${span.kind} ${span.name}`);
      assert.equal(spans.filter((s) => s.kind === 'SERVER').length, 1);
    } finally {
      await app.stop();
      await receiver.close();
    }
  });

  it('esm/: --import covers http and fetch', async () => {
    const upstream = http.createServer((req, res) => res.end(String(req.headers['x-request-id'])));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as import('node:net').AddressInfo).port;
    const app = await startExample(['--import', '@rid/otel/register', 'examples/esm/app.mjs'], {
      OTEL_TRACES_EXPORTER: 'none',
      UPSTREAM_URL: `http://127.0.0.1:${port}/`,
    });
    try {
      const res = await get(app.url);
      const body = JSON.parse(res.body);
      assert.equal(body.requestId, res.headers['x-request-id']);
      assert.equal(body.upstream, res.headers['x-request-id'], 'fetch carried the ID');
    } finally {
      await app.stop();
      await new Promise((r) => upstream.close(r));
    }
  });

  it('aws/local.js: S3 and DynamoDB calls show their AWS IDs on the spans', async () => {
    const { stdout } = await run(process.execPath, ['examples/aws/local.js'], { cwd: ROOT, env: cleanEnv({}), timeout: 50000 });
    const id = /X-Request-Id: (\S+)/.exec(stdout)?.[1];
    assert.match(id ?? '', UUID_V4);
    assert.match(stdout, /\[span\] CLIENT PUT .*aws\.request_id="[A-Z0-9]{16}" aws\.extended_request_id=/);
    assert.match(stdout, /\[span\] CLIENT POST .*aws\.request_id="/, 'DynamoDB');
    assert.match(stdout, /\[span\] CLIENT GET .*aws\.request_id=.*http\.response\.status_code=404/, 'the failed call too');
    assert.equal((stdout.match(/event aws\.call/g) ?? []).length, 3);
  });
});
