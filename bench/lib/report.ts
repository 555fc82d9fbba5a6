/** What bench/http.ts and bench/h2-server.ts report the same way: per-server summaries and per-round ratios. */
import { cpus } from 'node:os';
import { pinToCpu } from './child';
import { concat, mapQ, medianCI, quantile, quartiles, round, type Quartiles } from './stats';

export interface ServerSummary {
  server: string;
  label: string;
  cpuUsPerRequest: Quartiles;
  reqPerSec: Quartiles;
  p50LatencyMs: number;
  p99LatencyMs: number;
  spansExported: number;
}

export interface Pair {
  num: string;
  den: string;
  label: string;
  /** Upper bound on the median ratio, when the issue sets one. */
  target?: number;
}

export interface PairSummary extends Pair {
  ratio: Quartiles;
  /** 95 % bootstrap interval of the median ratio: how far the verdict is from the noise. */
  medianCI95: { low: number; high: number };
  pass?: boolean;
}

/** A server's figures over the rounds: CPU per request and req/s per round, every request's latency (us). */
export function serverSummary(server: string, label: string, cpuPerRound: number[], rpsPerRound: number[], latenciesUs: Float64Array[], spansExported: number): ServerSummary {
  const all = concat(latenciesUs);
  return {
    server,
    label,
    cpuUsPerRequest: mapQ(quartiles(cpuPerRound), 2),
    reqPerSec: mapQ(quartiles(rpsPerRound), 0),
    p50LatencyMs: round(quantile(all, 0.5) / 1000, 3),
    p99LatencyMs: round(quantile(all, 0.99) / 1000, 3),
    spansExported,
  };
}

/** The ratio num/den taken within each round, then its quartiles and the 95 % interval of its median. */
export function ratioSummary(p: Pair, num: readonly number[], den: readonly number[]): PairSummary {
  const perRound = num.map((x, i) => x / den[i]);
  const ratio = mapQ(quartiles(perRound), 3);
  const ci = medianCI(perRound);
  const medianCI95 = { low: round(ci.low, 3), high: round(ci.high, 3) };
  return { ...p, ratio, medianCI95, pass: p.target === undefined ? undefined : ratio.median <= p.target };
}

/** Every start at once (start-up is mostly module loading); when one fails, stops the ones that did start and throws. */
export async function startAll<T extends { stop(): Promise<void> }>(starts: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(starts);
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(started.map((s) => s.stop()));
    throw (failed as PromiseRejectedResult).reason;
  }
  return started;
}

/** The load generator (this process) on CPU 0, every server on the last CPU (only one is loaded at a time); what was done, in words. */
export function pinServers(serverPids: number[]): string {
  const last = cpus().length - 1;
  const pinned = serverPids.every((pid) => pinToCpu(pid, last)) && pinToCpu(process.pid, 0);
  return pinned ? `load generator on CPU 0, servers on CPU ${last}` : 'not pinned (taskset failed)';
}
