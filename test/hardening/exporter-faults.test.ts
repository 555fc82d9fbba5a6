/**
 * Exporter faults (issue #7, item 4): a service started with `--require @rid/otel/register`
 * whose OTLP collector refuses connections, or accepts them and never answers, serves 10,000
 * requests as if the collector were up: no error, the same latency, bounded memory; and when
 * the collector comes back on the same port, new spans arrive.
 *
 * Three copies of the app run side by side (collector up, refused, hanging) and get the load in
 * interleaved rounds, so machine noise hits all three alike. The test holds a sanity bound on
 * latency (the machine running it is shared and noisy); `npm run bench:exporter-faults` makes the
 * strict comparison (within 10%) over more rounds.
 */
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { ChildApp } from '../../bench/lib/app-process';
import { freePort, startHangingCollector, startReceiverProcess, type ReceiverProcess } from '../../bench/lib/collectors';
import { KeepAliveClient } from '../../bench/lib/load';
import { appStats, checkedRun, startLoadApp, timedGet, type AppStats } from '../../bench/lib/load-app';
import { startOtlpReceiver, type OtlpReceiver } from '../../bench/lib/otlp-receiver';
import { median, quantile } from '../../bench/lib/stats';

const REQUESTS = 10_000;
const ROUND = 500;
const CONCURRENCY = 4;
const MB = 2 ** 20;
type Case = 'up' | 'refused' | 'hanging';
const CASES: Case[] = ['up', 'refused', 'hanging'];

describe('hardening: exporter faults under load (child processes)', function () {
  this.timeout(180_000);
  let upReceiver: ReceiverProcess;
  let refusedPort: number;
  let hanging: Awaited<ReturnType<typeof startHangingCollector>>;
  const apps = {} as Record<Case, ChildApp>;
  const agents = {} as Record<Case, http.Agent>;
  const clients = {} as Record<Case, KeepAliveClient>;
  const comeBack: OtlpReceiver[] = [];

  before(async () => {
    [upReceiver, refusedPort, hanging] = await Promise.all([startReceiverProcess(), freePort(), startHangingCollector()]);
    const endpoints: Record<Case, string> = { up: upReceiver.url, refused: `http://127.0.0.1:${refusedPort}`, hanging: hanging.url };
    await Promise.all(
      CASES.map(async (c) => {
        // The batch delay is shortened only so that the come-back checks below need not wait 5 s.
        apps[c] = await startLoadApp({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoints[c], OTEL_BSP_SCHEDULE_DELAY: '200' });
        agents[c] = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
        clients[c] = new KeepAliveClient(apps[c].port, CONCURRENCY);
      }),
    );
  });
  after(async () => {
    for (const c of CASES) {
      agents[c]?.destroy();
      clients[c]?.close();
      await apps[c]?.stop('SIGKILL');
    }
    await upReceiver?.stop();
    await hanging?.close();
    await Promise.all(comeBack.map((r) => r.close()));
  });

  it(`${REQUESTS.toLocaleString('en-US')} requests each with the collector up, refusing, hanging: no error, latency as with it up, bounded memory`, async () => {
    // Milliseconds.
    const latencies: Record<Case, number[]> = { up: [], refused: [], hanging: [] };
    const failures: string[] = [];
    // Warm-up: JIT, connection set-up, first exports.
    for (const c of CASES) failures.push(...(await checkedRun(clients[c], 500)).failures);
    const before = {} as Record<Case, AppStats>;
    for (const c of CASES) before[c] = await appStats(apps[c], true);

    for (let r = 0; r < REQUESTS / ROUND; r++) {
      // Rotate the order every round so no case always runs first or last.
      for (let k = 0; k < CASES.length; k++) {
        const c = CASES[(r + k) % CASES.length];
        const result = await checkedRun(clients[c], ROUND);
        for (const us of result.latenciesUs) latencies[c].push(us / 1000);
        failures.push(...result.failures.map((f) => `${c}: ${f}`));
      }
    }
    const after = {} as Record<Case, AppStats>;
    for (const c of CASES) after[c] = await appStats(apps[c], true);

    const summary = CASES.map((c) => {
      const growth = (after[c].heapUsed - before[c].heapUsed) / MB;
      const cpu = (after[c].cpuMicros - before[c].cpuMicros) / (after[c].served - before[c].served);
      return (
        `${c.padEnd(8)} median ${median(latencies[c]).toFixed(3)} ms, p90 ${quantile(latencies[c], 0.9).toFixed(3)} ms, ` +
        `p99 ${quantile(latencies[c], 0.99).toFixed(3)} ms; CPU ${cpu.toFixed(0)} us/request; ` +
        `heap after GC ${(before[c].heapUsed / MB).toFixed(1)} -> ${(after[c].heapUsed / MB).toFixed(1)} MB (${growth >= 0 ? '+' : ''}${growth.toFixed(1)}), ` +
        `rss ${(after[c].rss / MB).toFixed(0)} MB`
      );
    });
    const received = await upReceiver.waitFor((n) => (n.paths['/'] ?? 0) >= REQUESTS + 500, 10_000);
    console.log(`      ${summary.join('\n      ')}\n      collector up received ${received.paths['/'] ?? 0} SERVER spans of ${REQUESTS + 500} requests in ${received.exports} exports`);

    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed requests`);
    for (const c of CASES) {
      assert.equal(apps[c].child.exitCode, null, `${c}: still running`);
      assert.equal(after[c].served - before[c].served, REQUESTS, `${c}: served every request`);
      const noisy = apps[c].stderr.filter((l) => /error|exception|unhandled|warn/i.test(l));
      assert.deepEqual(noisy, [], `${c}: nothing on stderr`);
      // Bounded memory: what a GC leaves after 10,000 more requests (the batch queue holds at most 2,048 spans).
      assert.ok(after[c].heapUsed - before[c].heapUsed < 32 * MB, `${c}: heap grew ${((after[c].heapUsed - before[c].heapUsed) / MB).toFixed(1)} MB`);
      assert.ok(after[c].rss < 400 * MB, `${c}: rss ${(after[c].rss / MB).toFixed(0)} MB`);
    }
    // Sanity bound only (see the header): a fault that blocked or slowed requests would be far outside it.
    for (const c of ['refused', 'hanging'] as const) {
      for (const [name, p] of [
        ['median', 50],
        ['p90', 90],
      ] as const) {
        const fault = quantile(latencies[c], p / 100);
        const up = quantile(latencies.up, p / 100);
        assert.ok(fault <= up * 1.5 + 0.5, `${c}: ${name} ${fault.toFixed(3)} ms against ${up.toFixed(3)} ms with the collector up`);
      }
    }
    assert.ok((received.paths['/'] ?? 0) >= REQUESTS, `the collector that stayed up received ${received.paths['/']} SERVER spans`);
    assert.equal(received.withRequestId, received.serverSpans, 'every SERVER span it received carries request.id');
  });

  interface Recovery {
    /** Spans queued during the outage that reached the collector once it was back. */
    backlog: number;
    /** From the collector's start to the first span of a request made after it. */
    firstNewMs: number;
    /** Requests made after the start whose spans were dropped while the full queue drained. */
    droppedWhileDraining: number;
    /** Of 20 requests made once spans flowed again, how many arrived. */
    steady: number;
  }

  /**
   * Starts a receiver on `port`. Spans queued during the outage go first; while that full queue
   * drains, the batch processor drops new spans (its queue is bounded: that is what keeps memory
   * flat during the outage). So: one request every 50 ms until a new span arrives, then 20 more,
   * which must all arrive.
   */
  async function comesBack(c: Case, port: number): Promise<Recovery> {
    const receiver = await startOtlpReceiver(port);
    comeBack.push(receiver);
    const has = (id: string): boolean => receiver.spans.some((x) => x.kind === 'SERVER' && x.attributes['request.id'] === id);
    const t0 = Date.now();
    const early: string[] = [];
    let firstNewMs = -1;
    while (firstNewMs < 0 && Date.now() - t0 < 20_000) {
      early.push((await timedGet(`${apps[c].url}/after-recovery`, agents[c])).id!);
      if (early.some(has)) firstNewMs = Date.now() - t0;
      else await new Promise((r) => setTimeout(r, 50));
    }
    const steadyIds: string[] = [];
    for (let i = 0; i < 20; i++) steadyIds.push((await timedGet(`${apps[c].url}/steady`, agents[c])).id!);
    await receiver.waitFor(() => steadyIds.every(has), 10_000);
    await new Promise((r) => setTimeout(r, 500)); // let the last early ones land before counting
    const backlog = receiver.spans.filter((x) => x.kind === 'SERVER' && x.attributes['url.path'] === '/').length;
    return { backlog, firstNewMs, droppedWhileDraining: early.filter((id) => !has(id)).length, steady: steadyIds.filter(has).length };
  }

  it('the collector comes back on the same port (after refusing; in place of the hanging one): the backlog, then new spans arrive', async () => {
    assert.ok(hanging.connections() > 0, 'the app did try the hanging collector');
    await hanging.close();
    const [refused, hung] = await Promise.all([comesBack('refused', refusedPort), comesBack('hanging', hanging.port)]);
    console.log(`      collector back on the same port:\n        refused: ${JSON.stringify(refused)}\n        hanging: ${JSON.stringify(hung)}`);
    for (const [c, r] of [
      ['refused', refused],
      ['hanging', hung],
    ] as const) {
      assert.ok(r.firstNewMs >= 0, `${c}: a span of a request made after the collector came back arrived`);
      assert.equal(r.steady, 20, `${c}: once flowing, every new span arrives`);
      assert.ok(r.backlog > 0, `${c}: spans queued during the outage were delivered`);
    }
  });

  it('OTEL_BSP_SCHEDULE_DELAY is honoured by register (a span is exported within the delay, not the 5 s default)', async () => {
    const receiver = await startOtlpReceiver();
    comeBack.push(receiver);
    const app = await startLoadApp({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' });
    try {
      const { id } = await timedGet(`${app.url}/once`, false);
      const t0 = Date.now();
      const spans = await receiver.waitFor((s) => s.some((x) => x.attributes['request.id'] === id), 4000);
      const ms = Date.now() - t0;
      assert.ok(spans.some((x) => x.attributes['request.id'] === id), `no span within 4 s: OTEL_BSP_SCHEDULE_DELAY=100 was ignored`);
      assert.ok(ms < 2500, `exported after ${ms} ms`);
    } finally {
      await app.stop('SIGKILL');
    }
  });
});
