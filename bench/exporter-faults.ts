/**
 * Exporter faults, the strict comparison (issue #7, item 4): does a collector that refuses
 * connections, or accepts them and never answers, slow a service down?
 *
 *   npm run bench:exporter-faults                        # 40 rounds of 500 requests per case
 *   node -r ts-node/register/transpile-only bench/exporter-faults.ts --rounds 80 --round 500 --concurrency 4
 *
 * Three copies of bench/fixtures/load-app.js run under `--require @rid/otel/register`:
 * collector up (a receiver in its own process), refused (nothing listens on the port), hanging
 * (accepts, reads, never answers). They get the load in interleaved rounds, the order rotated every
 * round. Each round yields a median and a p90 latency per case; the fault/up ratio is taken per
 * round (so drift on the machine cancels out) and its median over all rounds is compared with the
 * limit. Exits 1 when a fault case is more than 10% slower than the up case, on the median or the
 * p90. The service's own CPU per request (process.cpuUsage()) is printed next to it.
 */
import type { ChildApp } from './lib/app-process';
import { freePort, startHangingCollector, startReceiverProcess } from './lib/collectors';
import { KeepAliveClient } from './lib/load';
import { appStats, checkedRun, startLoadApp } from './lib/load-app';
import { median, quantile } from './lib/stats';

type Case = 'up' | 'refused' | 'hanging';
const CASES: Case[] = ['up', 'refused', 'hanging'];
const LIMIT = 1.1;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes a positive integer, got ${process.argv[i + 1]}`);
  return n;
}

async function main(): Promise<void> {
  const rounds = option('rounds', 40);
  const perRound = option('round', 500);
  const concurrency = option('concurrency', 4);
  const [receiver, refusedPort, hanging] = await Promise.all([startReceiverProcess(), freePort(), startHangingCollector()]);
  const endpoints: Record<Case, string> = { up: receiver.url, refused: `http://127.0.0.1:${refusedPort}`, hanging: hanging.url };
  const apps = {} as Record<Case, ChildApp>;
  const clients = {} as Record<Case, KeepAliveClient>;
  try {
    for (const c of CASES) {
      apps[c] = await startLoadApp({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoints[c] });
      clients[c] = new KeepAliveClient(apps[c].port, concurrency);
    }
    for (const c of CASES) await checkedRun(clients[c], 2000);
    const cpu0 = {} as Record<Case, { cpu: number; served: number; heap: number }>;
    for (const c of CASES) {
      const s = await appStats(apps[c], true);
      cpu0[c] = { cpu: s.cpuMicros, served: s.served, heap: s.heapUsed };
    }

    const perRoundStats: Record<Case, { median: number; p90: number }[]> = { up: [], refused: [], hanging: [] };
    // Latencies in milliseconds.
    const all: Record<Case, number[]> = { up: [], refused: [], hanging: [] };
    let failures = 0;
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < CASES.length; k++) {
        const c = CASES[(r + k) % CASES.length];
        const result = await checkedRun(clients[c], perRound);
        failures += result.failures.length;
        const ms = Array.from(result.latenciesUs, (us) => us / 1000);
        perRoundStats[c].push({ median: median(ms), p90: quantile(ms, 0.9) });
        all[c].push(...ms);
      }
    }

    console.log(`exporter faults: ${rounds} rounds x ${perRound} requests per case, concurrency ${concurrency}, node ${process.version}`);
    console.log(`${'case'.padEnd(8)} ${'median ms'.padStart(10)} ${'p90 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'CPU us/req'.padStart(11)} ${'heap MB'.padStart(14)} ${'rss MB'.padStart(7)}`);
    for (const c of CASES) {
      const s = await appStats(apps[c], true);
      const cpu = (s.cpuMicros - cpu0[c].cpu) / (s.served - cpu0[c].served);
      console.log(
        `${c.padEnd(8)} ${median(all[c]).toFixed(3).padStart(10)} ${quantile(all[c], 0.9).toFixed(3).padStart(8)} ${quantile(all[c], 0.99).toFixed(3).padStart(8)} ` +
          `${cpu.toFixed(0).padStart(11)} ${`${(cpu0[c].heap / 2 ** 20).toFixed(1)}->${(s.heapUsed / 2 ** 20).toFixed(1)}`.padStart(14)} ${(s.rss / 2 ** 20).toFixed(0).padStart(7)}`,
      );
    }
    let failed = failures > 0;
    if (failures > 0) console.log(`FAIL: ${failures} requests failed`);
    for (const c of ['refused', 'hanging'] as const) {
      for (const metric of ['median', 'p90'] as const) {
        const ratios = perRoundStats[c].map((s, i) => s[metric] / perRoundStats.up[i][metric]);
        const ratio = median(ratios);
        const ok = ratio <= LIMIT;
        failed ||= !ok;
        console.log(`${c} / up, ${metric} latency: median of per-round ratios ${ratio.toFixed(3)} (limit ${LIMIT}) ${ok ? 'ok' : 'FAIL'}`);
      }
    }
    const counts = await receiver.waitFor((n) => (n.paths['/'] ?? 0) >= rounds * perRound + 2000, 10_000);
    console.log(`the collector that stayed up received ${counts.paths['/'] ?? 0} SERVER spans of ${rounds * perRound + 2000} requests`);
    console.log(failed ? 'FAIL' : 'PASS: the faults cost no latency beyond 10%');
    if (failed) process.exitCode = 1;
  } finally {
    for (const c of CASES) {
      clients[c]?.close();
      await apps[c]?.stop('SIGKILL');
    }
    await receiver.stop();
    await hanging.close();
  }
}

void main();
