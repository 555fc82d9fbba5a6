/**
 * What `--require @rid/otel/register` costs at start-up, next to OpenTelemetry's own zero-code
 * start (issue: CLIs, serverless cold starts and one-process-per-file test runners pay it on
 * every process):
 *
 *   npm run bench:startup [-- --rounds 30]
 *
 * Three ways to start the same one-line app (bench/fixtures/ready.js), interleaved in every round
 * in a rotating order: bare `node`, `node --require @rid/otel/register`, and
 * `node --require @opentelemetry/auto-instrumentations-node/register`. The app lives in a
 * temporary folder whose node_modules holds @rid/otel alone, as in an app that has not installed
 * auto-instrumentations-node (with it installed, register runs its instrumentations and costs
 * what they cost: the `rid+auto` row, for information). Wall time is measured from
 * spawn to the app's first line on stdout (so asynchronous resource detection, which does not
 * delay the app, is not counted), RSS by the app at that line. Both preloads run with their
 * defaults (OTLP exporter, nothing listening), as a user starts them.
 *
 * The verdict is the ratio of the overheads over bare `node`, per round, median with its 95 %
 * interval: (rid - bare) / (auto - bare); the goal is at most 0.5.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, ensureBuilt, ROOT } from './lib/app-process';
import { median, medianCI, round } from './lib/stats';

const args = process.argv.slice(2);
const SMOKE = args.includes('--smoke');
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const ROUNDS = flag('--rounds', SMOKE ? 3 : 30);
const FIXTURES = join(__dirname, 'fixtures');
const READY = join(FIXTURES, 'ready.js');
const OUT = join(__dirname, 'results', SMOKE ? 'smoke' : '', 'startup.json');

/** An app folder with @rid/otel installed (a link to this repository) and nothing else. */
function appFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rid-startup-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'node_modules', '@rid'), { recursive: true });
  symlinkSync(ROOT, join(dir, 'node_modules', '@rid', 'otel'), 'dir');
  copyFileSync(READY, join(dir, 'ready.js'));
  return dir;
}
const APP = appFolder();
const AUTO_REGISTER = require.resolve('@opentelemetry/auto-instrumentations-node/register');

const VARIANTS = {
  bare: { cwd: APP, args: [] },
  rid: { cwd: APP, args: ['--require', '@rid/otel/register'] },
  auto: { cwd: APP, args: ['--require', AUTO_REGISTER] },
  // bench/fixtures resolves auto-instrumentations-node from this repository's node_modules.
  'rid+auto': { cwd: FIXTURES, args: ['--require', '@rid/otel/register'] },
} as const;
type Variant = keyof typeof VARIANTS;

interface Sample {
  ms: number;
  rssMB: number;
}

/** One start: spawn to first stdout line. */
function startOnce(variant: Variant): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const { cwd, args } = VARIANTS[variant];
    const child = spawn(process.execPath, [...args, cwd === APP ? join(APP, 'ready.js') : READY], {
      cwd,
      env: cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }),
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    let ms: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      ms ??= Number(process.hrtime.bigint() - t0) / 1e6;
      out += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (ms === undefined) return reject(new Error(`${variant}: exited (${code}) before its first line`));
      resolve({ ms, rssMB: JSON.parse(out.split('\n')[0]).rss / 1e6 });
    });
  });
}

async function main(): Promise<void> {
  ensureBuilt(FIXTURES);
  const names = Object.keys(VARIANTS) as Variant[];
  const samples: Record<Variant, Sample[]> = { bare: [], rid: [], auto: [], 'rid+auto': [] };
  for (const v of names) await startOnce(v); // warm the file cache
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < names.length; i++) {
      const v = names[(r + i) % names.length];
      samples[v].push(await startOnce(v));
    }
    process.stderr.write(`startup: round ${r + 1}/${ROUNDS}\r`);
  }
  process.stderr.write('\n');
  const per = (f: (r: number) => number): number[] => samples.bare.map((_, r) => f(r));
  const overheadRatio = per((r) => (samples.rid[r].ms - samples.bare[r].ms) / (samples.auto[r].ms - samples.bare[r].ms));
  const ci = medianCI(overheadRatio);
  const summary = {
    rounds: ROUNDS,
    node: process.version,
    ms: Object.fromEntries(names.map((v) => [v, round(median(samples[v].map((s) => s.ms)), 1)])),
    rssMB: Object.fromEntries(names.map((v) => [v, round(median(samples[v].map((s) => s.rssMB)), 1)])),
    overheadMs: Object.fromEntries(names.slice(1).map((v) => [v, round(median(per((r) => samples[v][r].ms - samples.bare[r].ms)), 1)])),
    extraRssMB: Object.fromEntries(names.slice(1).map((v) => [v, round(median(per((r) => samples[v][r].rssMB - samples.bare[r].rssMB)), 1)])),
    ratio: { name: '(rid - bare) / (auto - bare)', median: round(median(overheadRatio), 3), ciLow: round(ci.low, 3), ciHigh: round(ci.high, 3), target: 0.5 },
  };
  // The rows bench/run.ts prints (it reads `results`).
  const results = [
    ...names.map((v) => ({ name: `start-up ${v}`, medianMs: summary.ms[v], medianRssMB: summary.rssMB[v] })),
    ...names.slice(1).map((v) => ({ name: `overhead over bare node, ${v}`, overheadMs: summary.overheadMs[v], overheadRssMB: summary.extraRssMB[v] })),
    { name: `${summary.ratio.name} (target <= 0.5)`, ratioMedian: summary.ratio.median, ratioCiLow: summary.ratio.ciLow, ratioCiHigh: summary.ratio.ciHigh },
  ];
  mkdirSync(join(OUT, '..'), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify({ ...summary, results }, null, 2)}\n`);
  const verdict = summary.ratio.median <= 0.5 ? 'PASS' : 'FAIL';
  console.log(`start-up, median of ${ROUNDS} interleaved rounds (${process.version}):`);
  for (const v of names) {
    const over = v === 'bare' ? '' : `   overhead ${summary.overheadMs[v]} ms, +${summary.extraRssMB[v]} MB`;
    console.log(`  ${v.padEnd(8)} ${String(summary.ms[v]).padStart(7)} ms  ${String(summary.rssMB[v]).padStart(6)} MB RSS${over}`);
  }
  console.log(`  ${summary.ratio.name} = ${summary.ratio.median} [95 % CI ${summary.ratio.ciLow}, ${summary.ratio.ciHigh}], target <= 0.5: ${SMOKE ? 'smoke run, no verdict' : verdict}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
