import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { ensureBuilt, startApp, type ChildApp } from '../support/child-app';
import { startOtlpReceiver } from '../../bench/lib/otlp-receiver';

/**
 * A normal exit (the event loop empties) under @rid/otel/register: the app's own beforeExit
 * listeners run exactly as often as without the package, the spans are delivered, and no
 * collector, live, silent or refusing, holds the exit longer than the shutdown timeout.
 */
describe('a normal exit under @rid/otel/register (child processes)', function () {
  this.timeout(60000);
  let apps: ChildApp[] = [];
  before(() => ensureBuilt());
  afterEach(async () => {
    await Promise.all(apps.map((a) => a.stop('SIGKILL')));
    apps = [];
  });

  async function run(nodeArgs: string[], env: Record<string, string>): Promise<{ beforeExit: number; exitAfterMs: number; netConnects: number; work: boolean; app: ChildApp }> {
    const app = await startApp(nodeArgs, 'before-exit-app.js', env);
    apps.push(app);
    const { code } = await app.exited;
    assert.equal(code, 0, app.stderr.join('\n'));
    const last = app.messages.find((m) => 'beforeExit' in m) as { beforeExit: number; exitAfterMs: number; netConnects: number } | undefined;
    assert.ok(last, `the app's exit listener ran: ${app.stdout.join('\n')}`);
    return { ...last, work: app.messages.some((m) => m.work === 'done'), app };
  }
  const REGISTER = ['--require', '@rid/otel/register'];

  for (const work of ['0', '1']) {
    it(`the app's beforeExit listener runs as often as without the package (${work === '1' ? 'it starts async work once' : 'it starts no work'}), and the span arrives`, async () => {
      const without = await run([], { BEFORE_EXIT_WORK: work });
      const receiver = await startOtlpReceiver();
      try {
        const withUs = await run(REGISTER, { BEFORE_EXIT_WORK: work, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '60000' });
        assert.equal(withUs.beforeExit, without.beforeExit, `beforeExit ran ${withUs.beforeExit} times, ${without.beforeExit} without the package`);
        assert.equal(withUs.work, without.work, "the app's own work in beforeExit still runs");
        assert.ok(receiver.spans.some((s) => s.kind === 'SERVER'), 'the SERVER span was flushed at the normal exit');
      } finally {
        await receiver.close();
      }
    });
  }

  it("a collector slower than the app's beforeExit work: that work still makes beforeExit run again, as without the package", async () => {
    // The flush outlasts the 50 ms of work the app's first beforeExit listener starts: whether the
    // app started work must be seen when its listeners ran, not when the flush ends.
    const slow = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => setTimeout(() => res.end(), 500));
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    try {
      const port = (slow.address() as net.AddressInfo).port;
      const without = await run([], { BEFORE_EXIT_WORK: '1' });
      const withUs = await run(REGISTER, { BEFORE_EXIT_WORK: '1', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_BSP_SCHEDULE_DELAY: '60000' });
      assert.equal(withUs.beforeExit, without.beforeExit, `beforeExit ran ${withUs.beforeExit} times, ${without.beforeExit} without the package`);
      assert.equal(withUs.work, true, "the app's own work in beforeExit still runs");
    } finally {
      slow.closeAllConnections();
      await new Promise((r) => slow.close(r));
    }
  });

  it('a collector that refuses connections: the exit is prompt, beforeExit once', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const result = await run(REGISTER, { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, RID_SHUTDOWN_TIMEOUT_MS: '3000' });
    assert.equal(result.beforeExit, 1);
    // The exit's probe of the collector (register/endpoint-probe.ts) is ours: an app that counts
    // its own net.connect calls, as Node's test-http2-client-port-80.js does, must not see it.
    assert.equal(result.netConnects, (await run([], {})).netConnects, 'net.connect calls the app saw');
    // The exporter's retries alone took about 8 s here before; the bound is the shutdown timeout.
    assert.ok(result.exitAfterMs < 3000, `exited ${result.exitAfterMs} ms after start`);
  });

  it('a collector that accepts and never answers: the exit comes within the shutdown timeout, beforeExit once', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const result = await run(REGISTER, { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, RID_SHUTDOWN_TIMEOUT_MS: '1000' });
      assert.equal(result.beforeExit, 1);
      // 10 s (the exporter's own timeout) before; 1 s of timeout plus the app's own start-up now.
      assert.ok(result.exitAfterMs < 1000 + 2500, `exited ${result.exitAfterMs} ms after start`);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
