/**
 * A word when spans go nowhere (issue #12, part 4): under `--require @rid/otel/register`, the
 * first failed export prints one line on stderr, and no other until an export has succeeded
 * again. Real child processes; a local OTLP receiver, or a port nothing listens on.
 */
import * as assert from 'node:assert/strict';
import { get } from '../support/http';
import { ensureBuilt, startApp, type ChildApp } from '../support/child-app';
import { startOtlpReceiver, type OtlpReceiver } from '../../bench/lib/otlp-receiver';
import { freePort } from '../../bench/lib/collectors';

const NOTICE = 'spans are not reaching';

describe('the one stderr line when spans go nowhere (child processes under @rid/otel/register)', function () {
  this.timeout(60000);
  let apps: ChildApp[] = [];
  let receivers: OtlpReceiver[] = [];

  before(() => ensureBuilt());
  afterEach(async () => {
    await Promise.all(apps.map((a) => a.stop('SIGKILL')));
    await Promise.all(receivers.map((r) => r.close()));
    apps = [];
    receivers = [];
  });

  // Exports every 50 ms; a refused export gives up at once instead of retrying for 10 s.
  async function app(script: string, endpoint: string, env: Record<string, string> = {}): Promise<ChildApp> {
    const started = await startApp(['--require', '@rid/otel/register'], script, {
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_EXPORTER_OTLP_TIMEOUT: '500',
      ...env,
    });
    apps.push(started);
    return started;
  }

  async function receiver(port?: number): Promise<OtlpReceiver> {
    const started = await startOtlpReceiver(port);
    receivers.push(started);
    return started;
  }

  const notices = (started: ChildApp): string[] => started.stderr.filter((l) => l.includes(NOTICE));

  async function until(predicate: () => boolean, timeoutMs = 10000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  /** Requests in `rounds` rounds 150 ms apart, so that every round is an export of its own. */
  async function traffic(url: string, rounds: number): Promise<void> {
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < 3; i++) assert.equal((await get(url)).status, 200);
      await new Promise((res) => setTimeout(res, 150));
    }
  }

  it('a refused endpoint: one line, naming the endpoint, the reason and OTEL_TRACES_EXPORTER=console, however many exports fail', async () => {
    const port = await freePort();
    const started = await app('cjs-app.js', `http://127.0.0.1:${port}`);
    await traffic(started.url, 8);
    await until(() => notices(started).length > 0);
    await traffic(started.url, 4);
    started.child.kill('SIGTERM');
    await started.exited;
    const lines = notices(started);
    assert.equal(lines.length, 1, started.stderr.join('\n'));
    assert.ok(lines[0].includes(`http://127.0.0.1:${port}/v1/traces`), lines[0]);
    assert.ok(lines[0].includes(`ECONNREFUSED 127.0.0.1:${port}`), lines[0]);
    assert.ok(lines[0].includes('OTEL_TRACES_EXPORTER=console'), lines[0]);
    assert.equal(started.stderr.length, 1, `nothing else on stderr: ${started.stderr.join('\n')}`);
  });

  it('a live collector: no line, through the exports and the exit', async () => {
    const live = await receiver();
    // The exporter's own default timeout: 500 ms is for refused exports, and a loaded CI machine
    // once took longer than that to answer a live one (a timeout is a failed export, and told).
    const started = await app('cjs-app.js', live.url, { OTEL_EXPORTER_OTLP_TIMEOUT: '10000' });
    await traffic(started.url, 4);
    await live.waitFor((s) => s.filter((x) => x.kind === 'SERVER').length >= 12);
    started.child.kill('SIGTERM');
    await started.exited;
    assert.equal(live.spans.filter((s) => s.kind === 'SERVER').length, 12);
    assert.deepEqual(notices(started), []);
  });

  it('once an export has succeeded again, the next failure is told again, once', async () => {
    const port = await freePort();
    const started = await app('cjs-app.js', `http://127.0.0.1:${port}`);
    await traffic(started.url, 2);
    await until(() => notices(started).length === 1);
    assert.equal(notices(started).length, 1, started.stderr.join('\n'));

    const back = await receiver(port);
    await traffic(started.url, 2);
    await back.waitFor((s) => s.some((x) => x.kind === 'SERVER'));
    assert.equal(notices(started).length, 1, 'spans arrive: nothing more to say');
    await back.close();

    await traffic(started.url, 2);
    await until(() => notices(started).length === 2);
    await traffic(started.url, 4);
    assert.equal(notices(started).length, 2, started.stderr.join('\n'));
  });

  it('OTEL_LOG_LEVEL=none silences it', async () => {
    const started = await app('cjs-app.js', `http://127.0.0.1:${await freePort()}`, { OTEL_LOG_LEVEL: 'none' });
    await traffic(started.url, 8);
    started.child.kill('SIGTERM');
    await started.exited;
    assert.deepEqual(started.stderr, []);
  });

  it('over gRPC it names the gRPC endpoint', async () => {
    const port = await freePort();
    const started = await app('cjs-app.js', `http://127.0.0.1:${port}`, { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    await traffic(started.url, 4);
    await until(() => notices(started).length > 0);
    const lines = notices(started);
    assert.equal(lines.length, 1, started.stderr.join('\n'));
    assert.ok(lines[0].includes(`reaching http://127.0.0.1:${port} (`), lines[0]);
  });

  it('worker threads of one process say it once between them', async () => {
    const started = await app('worker-thread-app.js', `http://127.0.0.1:${await freePort()}`, { WORKERS: '2' });
    const [first, second] = started.messages.find((m) => m.ports)!.ports as number[];
    await traffic(`http://127.0.0.1:${first}/`, 4);
    await until(() => notices(started).length > 0);
    assert.equal(notices(started).length, 1, started.stderr.join('\n'));
    // The second thread's exports fail now too; the first thread has said it for the process.
    await traffic(`http://127.0.0.1:${second}/`, 8);
    assert.equal(notices(started).length, 1, started.stderr.join('\n'));
  });
});
