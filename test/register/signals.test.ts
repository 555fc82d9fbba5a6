/**
 * SIGTERM and SIGINT under `--require @rid/otel/register`, on real child processes whose spans
 * are decoded at a local OTLP receiver: servers in worker threads and in cluster workers (issue
 * #12, part 2), and a prompt exit when the spans could not be delivered anyway (part 3).
 * test/register.test.ts has the single-thread cases; test/hardening/shutdown.test.ts the load.
 */
import * as assert from 'node:assert/strict';
import { get, startServer } from '../support/http';
import { ensureBuilt, startApp, type ChildApp } from '../support/child-app';
import { startOtlpReceiver, type OtlpReceiver } from '../../bench/lib/otlp-receiver';
import { freePort } from '../../bench/lib/collectors';

type Exit = { code: number | null; signal: NodeJS.Signals | null };

describe('signals under @rid/otel/register (child processes, spans decoded at a local OTLP receiver)', function () {
  this.timeout(60000);
  let receiver: OtlpReceiver;
  let apps: ChildApp[] = [];

  before(() => ensureBuilt());
  beforeEach(async () => {
    receiver = await startOtlpReceiver();
  });
  afterEach(async () => {
    await Promise.all(apps.map((a) => a.stop('SIGKILL')));
    apps = [];
    await receiver.close();
  });

  // A long batch delay: the spans wait in the queue until the signal makes the SDK flush them.
  async function app(script: string, env: Record<string, string> = {}, ownProcessGroup = false): Promise<ChildApp> {
    const started = await startApp(
      ['--require', '@rid/otel/register'],
      script,
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '60000', ...env },
      { ownProcessGroup },
    );
    apps.push(started);
    return started;
  }

  async function requestIds(url: string, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await get(url)).headers['x-request-id'] as string);
    return ids;
  }

  async function signalled(started: ChildApp, signal: NodeJS.Signals): Promise<Exit & { ms: number }> {
    const t0 = Date.now();
    started.child.kill(signal);
    const exit = await started.exited;
    return { ...exit, ms: Date.now() - t0 };
  }

  /** Signals while a request to each of `urls` is in flight; every one of them must be answered. */
  async function signalledInFlight(
    started: ChildApp,
    urls: string[],
    signal: NodeJS.Signals,
    arrived?: () => boolean,
  ): Promise<{ exit: Exit & { ms: number }; ids: string[] }> {
    const inFlight = urls.map((url) => get(url));
    await new Promise((r) => setTimeout(r, 50));
    // On a loaded machine a request may not have reached the app yet: a connection with no
    // request is idle, and a graceful stop rightly closes it. Signal once the app has them all.
    for (const deadline = Date.now() + 3000; arrived !== undefined && !arrived() && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const exit = await signalled(started, signal);
    const answered = await Promise.all(inFlight);
    assert.deepEqual(
      answered.map((a) => a.status),
      urls.map(() => 200),
      'every request in flight was answered',
    );
    return { exit, ids: answered.map((a) => a.headers['x-request-id'] as string) };
  }

  function delivered(ids: string[]): string[] {
    const server = new Set(receiver.spans.filter((s) => s.kind === 'SERVER').map((s) => s.attributes['request.id']));
    return ids.filter((id) => server.has(id));
  }

  describe('worker threads', () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      it(`a server in a worker thread: 50 finished requests, ${signal}: all 50 SERVER spans arrive, then the process dies of ${signal}`, async () => {
        const started = await app('worker-thread-app.js');
        const ids = await requestIds(started.url, 50);
        assert.equal(new Set(ids).size, 50);
        const exit = await signalled(started, signal);
        assert.equal(exit.signal, signal, JSON.stringify(exit));
        assert.equal(delivered(ids).length, 50, `${delivered(ids).length} of 50 SERVER spans delivered`);
      });
    }

    it('requests in flight in two worker threads are answered, and their spans delivered, before the process dies', async () => {
      const started = await app('worker-thread-app.js', { WORKERS: '2' });
      const ports = started.messages.find((m) => m.ports)!.ports as number[];
      const finished = await Promise.all(ports.map((p) => requestIds(`http://127.0.0.1:${p}/`, 10)));
      const slow = ports.flatMap((p) => Array(3).fill(`http://127.0.0.1:${p}/slow`));
      const { exit, ids: inFlight } = await signalledInFlight(started, slow, 'SIGTERM');
      assert.equal(exit.signal, 'SIGTERM');
      const ids = [...finished.flat(), ...inFlight];
      assert.equal(delivered(ids).length, 26, `${delivered(ids).length} of 26 SERVER spans delivered`);
    });

    it("with the app's own SIGTERM handler in the main thread, the worker threads' spans are flushed while the app decides", async () => {
      const started = await app('worker-thread-app.js', { APP_SIGTERM_HANDLER: '1' });
      const ids = await requestIds(started.url, 20);
      started.child.kill('SIGTERM');
      const exit = await started.exited;
      assert.equal(exit.code, 7, 'the app exits when it wants, with its own code');
      assert.ok(started.messages.some((m) => m.appHandler === 'ran'));
      assert.equal(delivered(ids).length, 20, `${delivered(ids).length} of 20 SERVER spans delivered`);
    });
  });

  describe('cluster workers (processes of their own, each with its own SDK)', () => {
    it('SIGTERM to each worker: every SERVER span of 50 requests arrives, each worker dies of SIGTERM', async () => {
      const started = await app('cluster-app.js');
      const ids = await requestIds(started.url, 50);
      const pids = started.messages.find((m) => m.workers)!.workers as number[];
      for (const pid of pids) process.kill(pid, 'SIGTERM');
      const exit = await started.exited;
      assert.equal(exit.code, 0, 'the primary ends once its workers are gone');
      const workerExits = started.messages.filter((m) => m.workerExit);
      assert.deepEqual(
        workerExits.map((m) => m.signal),
        ['SIGTERM', 'SIGTERM'],
      );
      assert.equal(delivered(ids).length, 50, `${delivered(ids).length} of 50 SERVER spans delivered`);
    });

    // What the README advises, as the primary dies at once otherwise and Node's cluster then
    // ends the workers with process.exit(0), signalled or not.
    for (const to of ['the primary alone', 'the whole process group, as Ctrl-C does'] as const) {
      it(`a primary whose own handler disconnect()s its workers: every span arrives, with SIGINT to ${to}`, async () => {
        const started = await app('cluster-app.js', { PRIMARY_DISCONNECTS: '1' }, true);
        const ids = await requestIds(started.url, 50);
        process.kill(to === 'the primary alone' ? started.child.pid! : -started.child.pid!, 'SIGINT');
        const exit = await started.exited;
        assert.equal(exit.code, 0, 'the primary ends once its workers are gone');
        assert.equal(started.messages.filter((m) => m.workerExit).length, 2);
        assert.equal(delivered(ids).length, 50, `${delivered(ids).length} of 50 SERVER spans delivered`);
      });
    }
  });

  describe('a prompt exit when the spans could not be delivered anyway', () => {
    for (const [where, script, signal] of [
      ['an idle app', 'cjs-app.js', 'SIGINT'],
      ['an idle app serving from a worker thread', 'worker-thread-app.js', 'SIGTERM'],
    ] as const) {
      it(`${where} whose collector refuses connections dies of ${signal} within 1.5 s, spans still queued`, async () => {
        const started = await app(script, { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
        await requestIds(started.url, 20);
        const exit = await signalled(started, signal);
        assert.equal(exit.signal, signal);
        assert.ok(exit.ms < 1500, `exited ${exit.ms} ms after ${signal}`);
        // The spans dropped are not dropped silently.
        assert.equal(started.stderr.filter((l) => l.includes('spans are not reaching') && l.includes('ECONNREFUSED')).length, 1, started.stderr.join('\n'));
      });
    }

    it('an idle app whose last exports failed dies of SIGINT within 1.5 s, though its collector now takes connections and never answers', async () => {
      // A collector that first rejects every export, then accepts connections and never answers.
      let hang = false;
      const collector = await startServer((req, res) => {
        req.resume();
        if (!hang) res.writeHead(400).end();
      });
      try {
        const started = await app('cjs-app.js', { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '50' });
        await requestIds(started.url, 5);
        // The one line about spans that go nowhere: the last export failed.
        const deadline = Date.now() + 10000;
        while (!started.stderr.some((l) => l.includes('spans are not reaching')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        assert.ok(started.stderr.some((l) => l.includes('HTTP 400')), started.stderr.join('\n'));
        hang = true;
        await requestIds(started.url, 5);
        const exit = await signalled(started, 'SIGINT');
        assert.equal(exit.signal, 'SIGINT');
        assert.ok(exit.ms < 1500, `exited ${exit.ms} ms after SIGINT`);
      } finally {
        await collector.close();
      }
    });

    it('a live collector still gets every queued span on SIGINT (the batch delay far away), then the process dies of SIGINT', async () => {
      const started = await app('cjs-app.js');
      const ids = await requestIds(started.url, 30);
      assert.equal(receiver.spans.length, 0, 'nothing was exported before the signal');
      const exit = await signalled(started, 'SIGINT');
      assert.equal(exit.signal, 'SIGINT');
      assert.equal(delivered(ids).length, 30, `${delivered(ids).length} of 30 SERVER spans delivered`);
    });

    it('with a refused collector, requests in flight are still answered before the process dies', async () => {
      const started = await app('cjs-app.js', { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
      const slowStarted = (): boolean => started.messages.filter((m) => m.slowStarted === true).length >= 5;
      const { exit } = await signalledInFlight(started, Array(5).fill(`${started.url}/slow`), 'SIGTERM', slowStarted);
      assert.equal(exit.signal, 'SIGTERM');
      assert.ok(exit.ms >= 100 && exit.ms < 1500, `exited ${exit.ms} ms after SIGTERM (the requests take 200 ms)`);
    });

  });
});
