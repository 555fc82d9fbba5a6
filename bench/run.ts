/**
 * Runs every benchmark and prints one table:
 *
 *   npm run bench         # ids + http + memory + startup + h2 + memory-h2 (+ aws-capture if bench/aws-capture.ts exists), ~15-25 min
 *   npm run bench:smoke   # the same with tiny counts, ~1 min: proves each benchmark still runs
 *
 * Each benchmark runs in its own process (its own output goes to stderr as progress) and writes
 * its JSON to bench/results/ (bench/results/smoke/ for the smoke run); this script then reads
 * those files, prints the combined table on stdout and writes bench/results/summary.json.
 *
 * The smoke run asserts no timing. It fails only when a benchmark crashes or does not produce
 * numbers (a missing result file, a non-finite or non-positive measurement), so the benchmarks
 * cannot rot unnoticed.
 *
 * The HTTP/2 benchmarks (h2, memory-h2) need a Node 22+ binary for their servers (this Node, or
 * compat/node24 etc. through compat/node-bin.sh); without one they are reported as skipped, with
 * the reason, and do not fail the run.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { findNode22Plus } from './lib/node-bin';

const SMOKE = process.argv.includes('--smoke');
const RESULTS = join(__dirname, 'results');
const OUT_DIR = SMOKE ? join(RESULTS, 'smoke') : RESULTS;
mkdirSync(OUT_DIR, { recursive: true });

interface Bench {
  name: string;
  script: string;
  args: string[];
  /** Where the benchmark writes its JSON. */
  output: string;
  /** Extra node flags. */
  node?: string[];
  /** Benchmarks that always write to bench/results/<name>.json: the smoke run keeps the full results there. */
  fixedOutput?: boolean;
  timeoutMs: number;
  /** Why it cannot run on this machine (then it is reported as skipped, not failed). */
  skip?: string;
}

// The HTTP/2 servers need Node 22+ (the lines with HTTP/2 diagnostics channels).
const node22 = findNode22Plus();
const h2Skip = node22.path === undefined ? `skipped: no Node 22+ binary for the HTTP/2 servers (${node22.why})` : undefined;

const benches: Bench[] = [
  {
    name: 'ids',
    script: 'ids.ts',
    args: SMOKE ? ['--quick'] : [],
    output: join(RESULTS, 'ids.json'),
    fixedOutput: true,
    timeoutMs: SMOKE ? 120_000 : 600_000,
  },
  {
    name: 'http',
    script: 'http.ts',
    args: SMOKE ? ['--smoke'] : [],
    output: join(OUT_DIR, 'http.json'),
    timeoutMs: SMOKE ? 240_000 : 3_600_000,
  },
  {
    name: 'memory',
    script: 'memory.ts',
    args: SMOKE ? ['--smoke'] : [],
    output: join(OUT_DIR, 'memory.json'),
    timeoutMs: SMOKE ? 240_000 : 1_800_000,
  },
  {
    name: 'startup',
    script: 'startup.ts',
    args: SMOKE ? ['--smoke'] : [],
    output: join(OUT_DIR, 'startup.json'),
    timeoutMs: SMOKE ? 120_000 : 600_000,
  },
  {
    name: 'h2',
    script: 'h2-server.ts',
    args: SMOKE ? ['--smoke'] : [],
    output: join(OUT_DIR, 'h2.json'),
    timeoutMs: SMOKE ? 180_000 : 1_800_000,
    skip: h2Skip,
  },
  {
    name: 'memory-h2',
    script: 'memory.ts',
    args: ['--server', 'h2-rid', ...(SMOKE ? ['--smoke'] : [])],
    output: join(OUT_DIR, 'memory-h2-rid.json'),
    timeoutMs: SMOKE ? 180_000 : 1_800_000,
    skip: h2Skip,
  },
];
// Written by another part of the project; included only when it is there.
if (existsSync(join(__dirname, 'aws-capture.ts'))) {
  benches.push({
    name: 'aws-capture',
    script: 'aws-capture.ts',
    args: SMOKE ? ['--quick'] : [],
    output: join(RESULTS, 'aws-capture.json'),
    fixedOutput: true,
    timeoutMs: SMOKE ? 120_000 : 600_000,
  });
}

interface Outcome {
  bench: Bench;
  ok: boolean;
  problem?: string;
  json?: Record<string, unknown>;
}

function runBench(bench: Bench): Outcome {
  if (bench.skip !== undefined) {
    console.error(`\n== ${bench.name}: ${bench.skip}`);
    return { bench, ok: true, problem: bench.skip };
  }
  // A smoke run of a benchmark with a fixed output path must not overwrite the full results.
  const backup = bench.fixedOutput && SMOKE && existsSync(bench.output) ? `${bench.output}.full-backup` : undefined;
  if (backup) copyFileSync(bench.output, backup);
  if (bench.fixedOutput && existsSync(bench.output)) rmSync(bench.output);
  if (!bench.fixedOutput && existsSync(bench.output)) rmSync(bench.output);
  console.error(`\n== ${bench.name}: node ${[...(bench.node ?? []), bench.script, ...bench.args].join(' ')}`);
  const started = Date.now();
  const child = spawnSync(process.execPath, [...(bench.node ?? []), '-r', 'ts-node/register/transpile-only', join(__dirname, bench.script), ...bench.args], {
    cwd: join(__dirname, '..'),
    // The benchmark's own tables go to our stderr: stdout is kept for the combined table.
    stdio: ['ignore', 2, 2],
    timeout: bench.timeoutMs,
    killSignal: 'SIGKILL',
  });
  console.error(`== ${bench.name}: ${((Date.now() - started) / 1000).toFixed(1)} s, exit ${child.status ?? child.signal}`);
  let outcome: Outcome;
  if (child.error || child.status !== 0) {
    outcome = { bench, ok: false, problem: `exited with ${child.status ?? child.signal}${child.error ? ` (${child.error.message})` : ''}` };
  } else if (!existsSync(bench.output)) {
    outcome = { bench, ok: false, problem: `wrote no ${bench.output}` };
  } else {
    const json = JSON.parse(readFileSync(bench.output, 'utf8')) as Record<string, unknown>;
    const problem = checkNumbers(bench.name, json);
    outcome = { bench, ok: problem === undefined, problem, json };
  }
  if (backup) {
    if (existsSync(bench.output)) renameSync(bench.output, join(OUT_DIR, `${bench.name}.json`));
    renameSync(backup, bench.output);
  }
  return outcome;
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const positive = (x: unknown): boolean => finite(x) && x > 0;

/** The benchmark produced numbers (not that they are good ones). */
function checkNumbers(name: string, json: Record<string, unknown>): string | undefined {
  if (name === 'ids') {
    const results = json.results as { name: string; medianNs: unknown }[] | undefined;
    if (!Array.isArray(results) || results.length === 0) return 'no results';
    const bad = results.find((r) => !positive(r.medianNs));
    return bad ? `no ns/ID for ${bad.name}` : undefined;
  }
  if (name === 'http' || name === 'h2') {
    const servers = json.servers as { server: string; cpuUsPerRequest: { median: unknown }; reqPerSec: { median: unknown }; p99LatencyMs: unknown; spansExported: number }[];
    if (!Array.isArray(servers) || servers.length === 0) return 'no servers';
    // h2: h2-bare makes no spans, and h2-rid none until the HTTP/2 support lands (h2-server.ts warns).
    const spanless = name === 'h2' ? ['h2-bare', 'h2-rid'] : ['plain'];
    for (const s of servers) {
      if (!positive(s.cpuUsPerRequest?.median) || !positive(s.reqPerSec?.median) || !positive(s.p99LatencyMs)) return `no CPU/req/s/p99 for ${s.server}`;
      if (!spanless.includes(s.server) && !(s.spansExported > 0)) return `server ${s.server} exported no spans`;
    }
    const ratios = json.ratios as { label: string; ratio: { median: unknown } }[];
    if (!Array.isArray(ratios) || ratios.length === 0) return 'no ratios';
    const bad = ratios.find((r) => !positive(r.ratio?.median));
    return bad ? `no ratio for ${bad.label}` : undefined;
  }
  if (name === 'memory' || name === 'memory-h2') {
    if (!positive(json.heapAfterWarmupMB) || !positive(json.heapAtEndMB) || !finite(json.slopeMBPerRound)) return 'no heap figures';
    // memory-h2: h2-rid exports none until the HTTP/2 support lands (memory.ts warns).
    if (name === 'memory' && !(Number(json.spansExported) > 0)) return 'no spans exported';
    return undefined;
  }
  // Another benchmark: its `results` must be a non-empty list whose entries carry numbers.
  const results = json.results as Record<string, unknown>[] | undefined;
  if (!Array.isArray(results) || results.length === 0) return 'no results';
  const bad = results.find((r) => !Object.values(r).some(finite));
  return bad ? `a result without numbers: ${JSON.stringify(bad)}` : undefined;
}

// ---------------------------------------------------------------------------------------------
// The combined table.

interface Row {
  bench: string;
  what: string;
  value: string;
  target?: string;
  verdict?: string;
}

function idsRows(json: Record<string, unknown>): Row[] {
  const results = json.results as { name: string; ours: boolean; medianNs: number; ratioVsRandomUUID: number }[];
  const targets = (json.targets as { target: string; value: string; pass: boolean }[]) ?? [];
  const rows: Row[] = results.map((r) => {
    const t = targets.find((x) => x.target.startsWith(`${r.name}:`));
    return {
      bench: 'ids',
      what: `${r.name}, ns/ID (x crypto.randomUUID)`,
      value: `${r.medianNs.toFixed(1)} (${r.ratioVsRandomUUID.toFixed(2)}x)`,
      target: t ? '<= 1.00x' : undefined,
      verdict: t ? (t.pass ? 'PASS' : 'MISS') : undefined,
    };
  });
  for (const t of targets.filter((x) => !results.some((r) => x.target.startsWith(`${r.name}:`)))) {
    rows.push({ bench: 'ids', what: t.target, value: t.value, verdict: t.pass ? 'PASS' : 'MISS' });
  }
  return rows;
}

function httpRows(json: Record<string, unknown>, bench = 'http'): Row[] {
  const servers = json.servers as { label: string; cpuUsPerRequest: { median: number; q1: number; q3: number }; reqPerSec: { median: number }; p99LatencyMs: number }[];
  const ratios = json.ratios as {
    label: string;
    ratio: { median: number; q1: number; q3: number };
    medianCI95?: { low: number; high: number };
    target?: number;
    pass?: boolean;
  }[];
  const rows: Row[] = servers.map((s) => ({
    bench,
    what: `${s.label}: CPU us/req [q1..q3], req/s, p99 ms`,
    value: `${s.cpuUsPerRequest.median.toFixed(1)} [${s.cpuUsPerRequest.q1.toFixed(1)}..${s.cpuUsPerRequest.q3.toFixed(1)}], ${s.reqPerSec.median.toFixed(0)}, ${s.p99LatencyMs.toFixed(2)}`,
  }));
  for (const r of ratios) {
    rows.push({
      bench,
      what: `ratio ${r.label}: median [q1..q3] (95% CI of median)`,
      value:
        `${r.ratio.median.toFixed(3)} [${r.ratio.q1.toFixed(3)}..${r.ratio.q3.toFixed(3)}]` +
        (r.medianCI95 === undefined ? '' : ` (${r.medianCI95.low.toFixed(3)}..${r.medianCI95.high.toFixed(3)})`),
      target: r.target === undefined ? undefined : `<= ${r.target.toFixed(2)}`,
      verdict: r.target === undefined ? undefined : r.pass ? 'PASS' : 'MISS',
    });
  }
  for (const w of (json.warnings as string[] | undefined) ?? []) rows.push({ bench, what: 'WARNING', value: w });
  return rows;
}

function memoryRows(json: Record<string, unknown>, bench = 'memory'): Row[] {
  const j = json as {
    server: string;
    warnings?: string[];
    totalRequests: number;
    heapAfterWarmupMB: number;
    heapAtEndMB: number;
    deltaMB: number;
    slopeBytesPerRequest: number;
    projectedGrowthMB: number;
    perRound: { heapUsedMB: number }[];
    targets: { target: string; value: string; pass: boolean }[];
  };
  return [
    {
      bench,
      what: `heap after GC: warm-up -> end of ${j.totalRequests} requests through ${j.server === 'register' ? '(3)' : j.server}`,
      value: `${j.heapAfterWarmupMB.toFixed(2)} -> ${j.heapAtEndMB.toFixed(2)} MB (${j.deltaMB >= 0 ? '+' : ''}${j.deltaMB.toFixed(2)})`,
      target: '|delta| <= 10 MB',
      verdict: j.targets[0].pass ? 'PASS' : 'MISS',
    },
    {
      bench,
      what: `trend over ${j.perRound.length} rounds (least-squares slope x rounds)`,
      value: `${j.projectedGrowthMB >= 0 ? '+' : ''}${j.projectedGrowthMB.toFixed(3)} MB (${j.slopeBytesPerRequest.toFixed(2)} B/req)`,
      target: '< 1 MB',
      verdict: j.targets[1].pass ? 'PASS' : 'MISS',
    },
    { bench, what: 'heap after GC per round (MB)', value: j.perRound.map((p) => p.heapUsedMB.toFixed(1)).join(' ') },
    ...(j.warnings ?? []).map((w) => ({ bench, what: 'WARNING', value: w })),
  ];
}

function genericRows(name: string, json: Record<string, unknown>): Row[] {
  const results = json.results as Record<string, unknown>[];
  return results.map((r) => {
    const label = String(r.name ?? r.case ?? '?');
    // Medians and differences only; the benchmark's own JSON has the rest.
    const numbers = Object.entries(r)
      .filter(([k, v]) => finite(v) && /median|over|ratio/i.test(k) && !/wall/i.test(k))
      .map(([k, v]) => `${k} ${(v as number).toFixed(1)}`);
    return { bench: name, what: label, value: numbers.join(', ') };
  });
}

function machine(): string {
  let model = cpus()[0]?.model ?? 'unknown CPU';
  try {
    model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    // not Linux
  }
  return `node ${process.version}, ${cpus().length} CPUs (${model}), ${process.platform}-${process.arch}, load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`;
}

function main(): void {
  const outcomes = benches.map(runBench);
  const rows: Row[] = [];
  for (const o of outcomes) {
    if (o.bench.skip !== undefined) {
      rows.push({ bench: o.bench.name, what: 'SKIPPED', value: o.bench.skip });
      continue;
    }
    if (!o.ok || o.json === undefined) {
      rows.push({ bench: o.bench.name, what: 'FAILED', value: o.problem ?? 'unknown' });
      continue;
    }
    if (o.bench.name === 'ids') rows.push(...idsRows(o.json));
    else if (o.bench.name === 'http' || o.bench.name === 'h2') rows.push(...httpRows(o.json, o.bench.name));
    else if (o.bench.name === 'memory' || o.bench.name === 'memory-h2') rows.push(...memoryRows(o.json, o.bench.name));
    else rows.push(...genericRows(o.bench.name, o.json));
  }
  const w = { bench: Math.max(...rows.map((r) => r.bench.length)), what: Math.max(...rows.map((r) => r.what.length)), target: 16 };
  const lines: string[] = [];
  lines.push(`@rid/otel benchmarks${SMOKE ? ' (SMOKE: tiny counts, the numbers mean nothing)' : ''} - ${new Date().toISOString()}`);
  lines.push(machine());
  lines.push(`${'bench'.padEnd(w.bench)}  ${'measure'.padEnd(w.what)}  ${'target'.padEnd(w.target)}  ${'verdict'}  value`);
  lines.push('-'.repeat(w.bench + w.what + w.target + 40));
  let last = '';
  for (const r of rows) {
    if (last !== '' && r.bench !== last) lines.push('');
    last = r.bench;
    lines.push(`${r.bench.padEnd(w.bench)}  ${r.what.padEnd(w.what)}  ${(r.target ?? '').padEnd(w.target)}  ${(r.verdict ?? '').padEnd(7)}  ${r.value}`);
  }
  console.log(lines.join('\n'));

  const summary = {
    date: new Date().toISOString(),
    smoke: SMOKE,
    machine: machine(),
    benchmarks: Object.fromEntries(outcomes.map((o) => [o.bench.name, o.bench.skip !== undefined ? { skipped: o.bench.skip } : o.ok ? o.json : { failed: o.problem }])),
    table: rows,
  };
  writeFileSync(join(OUT_DIR, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  console.error(`wrote ${join(OUT_DIR, 'summary.json')}`);

  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length > 0) {
    console.error(`benchmarks that produced no numbers: ${failed.map((o) => `${o.bench.name} (${o.problem})`).join(', ')}`);
    process.exitCode = 1;
  }
}

main();
