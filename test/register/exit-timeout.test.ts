/**
 * Every exit is bounded by the shutdown timeout, under `--require @rid/otel/register`, on real
 * child processes: a normal exit (the loop empties) with a collector that never answers or refuses
 * connections, and a timeout too long for a Node timer (2^31-1 ms at most).
 */
import * as assert from 'node:assert/strict';
import { get, startServer } from '../support/http';
import { ensureBuilt, startApp, type ChildApp } from '../support/child-app';
import { freePort } from '../../bench/lib/collectors';

describe('exits bounded by the shutdown timeout under @rid/otel/register (child processes)', function () {
  this.timeout(60000);
  let apps: ChildApp[] = [];
  before(() => ensureBuilt());
  afterEach(async () => {
    await Promise.all(apps.map((a) => a.stop('SIGKILL')));
    apps = [];
  });

  async function app(script: string, env: Record<string, string>): Promise<ChildApp> {
    const started = await startApp(['--require', '@rid/otel/register'], script, { OTEL_BSP_SCHEDULE_DELAY: '60000', ...env });
    apps.push(started);
    return started;
  }

  /** How long the child took to end after its server closed, measured in the child. */
  async function exitAfterMs(started: ChildApp): Promise<number> {
    const exit = await started.exited;
    assert.equal(exit.code, 0, JSON.stringify(exit) + started.stderr.join('\n'));
    const timed = started.messages.find((m) => typeof m.exitAfterMs === 'number');
    assert.ok(timed && (timed.exitAfterMs as number) >= 0, started.stdout.join('\n'));
    return timed.exitAfterMs as number;
  }

  it('a collector that accepts and never answers: a normal exit ends within RID_SHUTDOWN_TIMEOUT_MS=1000 (+ slack), not the exporter timeout (10 s)', async () => {
    const collector = await startServer((req) => req.resume());
    try {
      const ms = await exitAfterMs(await app('exit-timed.js', { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, RID_SHUTDOWN_TIMEOUT_MS: '1000' }));
      assert.ok(ms < 1000 + 2500, `exited ${ms} ms after the server closed`);
    } finally {
      await collector.close();
    }
  });

  it('a collector that refuses connections: a normal exit is prompt (the spans cannot arrive), not ~8.5 s of retries', async () => {
    const ms = await exitAfterMs(await app('exit-timed.js', { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}` }));
    assert.ok(ms < 3000, `exited ${ms} ms after the server closed`);
  });

  it('RID_SHUTDOWN_TIMEOUT_MS=3000000000 (over 2^31-1): a request in flight at SIGTERM is still answered (the wait is not cut to 1 ms)', async () => {
    const collector = await startServer((req, res) => {
      req.resume();
      res.end();
    });
    try {
      const started = await app('cjs-app.js', { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, RID_SHUTDOWN_TIMEOUT_MS: '3000000000' });
      const inFlight = get(`${started.url}/slow`).then(
        (r) => r.status,
        (err: Error) => err.message,
      );
      for (const deadline = Date.now() + 5000; !started.messages.some((m) => m.slowStarted) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
      started.child.kill('SIGTERM');
      assert.equal(await inFlight, 200);
      assert.equal((await started.exited).signal, 'SIGTERM');
    } finally {
      await collector.close();
    }
  });
});
