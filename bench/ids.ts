/**
 * ID generator micro-benchmark: ns per ID for each of our formats next to crypto.randomUUID and the
 * popular npm packages, measured in one process.
 *
 *   node -r ts-node/register/transpile-only bench/ids.ts            # full run (~20-30 s)
 *   node -r ts-node/register/transpile-only bench/ids.ts --quick    # CI smoke (a few seconds)
 *   ... --strict   exit 1 if a target is missed (off by default: timings are noisy on shared CI)
 *
 * Method: every generator gets its own loop function (built with `new Function`, so each call
 * site is monomorphic and nobody pays for megamorphic dispatch), is warmed up, and is calibrated to
 * ~ROUND_MS per round. Then ROUNDS rounds run all generators interleaved (order rotated each
 * round, so drift and GC pressure are spread evenly); we report the median ns/ID per generator
 * and its ratio to crypto.randomUUID: the median over rounds of the ratio within each round
 * (paired, so load from other processes, which drifts over seconds, cancels out). Every ID's length is summed and checked, so the JIT cannot
 * drop the work. Results go to bench/results/ids.json.
 */
import { randomUUID } from 'crypto';
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';

import { createGenerator, DEFAULT_RANGE_ID_CHARSET } from '../src/generators';
import { median } from './lib/stats';

/* eslint-disable @typescript-eslint/no-require-imports */
// uuid@14 and nanoid@5 are ESM-only; Node >= 20.19 can require() them synchronously.
const npmUuid = require('uuid') as { v4: () => string; v7: () => string };
const npmNanoid = require('nanoid') as {
  nanoid: () => string;
  customAlphabet: (alphabet: string, size: number) => () => string;
};
const NpmKsuid = require('ksuid') as { randomSync: () => { string: string } };
const npmUuidv7 = require('uuidv7') as { uuidv7: () => string };
/* eslint-enable @typescript-eslint/no-require-imports */

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const STRICT = args.includes('--strict');
const ROUNDS = QUICK ? 5 : 15;
const ROUND_MS = QUICK ? 8 : 60;
const WARMUP_MS = QUICK ? 50 : 400;

interface Subject {
  name: string;
  ours: boolean;
  fn: () => string;
}

const subjects: Subject[] = [
  { name: 'ours uuid (v4)', ours: true, fn: createGenerator('uuid') },
  { name: 'ours uuidv7', ours: true, fn: createGenerator('uuidv7') },
  { name: 'ours nanoid', ours: true, fn: createGenerator('nanoid') },
  { name: 'ours range_id (62 chars, 16)', ours: true, fn: createGenerator('range_id') },
  { name: 'ours ksuid', ours: true, fn: createGenerator('ksuid') },
  { name: 'crypto.randomUUID', ours: false, fn: randomUUID },
  { name: 'npm uuid v4', ours: false, fn: npmUuid.v4 },
  { name: 'npm uuid v7', ours: false, fn: npmUuid.v7 },
  { name: 'npm nanoid', ours: false, fn: npmNanoid.nanoid },
  { name: 'npm nanoid customAlphabet(62, 16)', ours: false, fn: npmNanoid.customAlphabet(DEFAULT_RANGE_ID_CHARSET, 16) },
  { name: 'npm ksuid randomSync().string', ours: false, fn: () => NpmKsuid.randomSync().string },
  { name: 'npm uuidv7', ours: false, fn: npmUuidv7.uuidv7 },
];

const expectedLength: Record<string, number> = {};
for (const s of subjects) expectedLength[s.name] = s.fn().length;

type Runner = (n: number) => number;
// One fresh function literal per subject: monomorphic call site, inlinable target.
const runners = new Map<string, Runner>();
for (const s of subjects) {
  const make = new Function(
    'fn',
    'return function run(n) { let acc = 0; for (let i = 0; i < n; i++) acc += fn().length; return acc; };',
  ) as (fn: () => string) => Runner;
  runners.set(s.name, make(s.fn));
}

function timeRun(s: Subject, n: number): number {
  const run = runners.get(s.name)!;
  const t0 = process.hrtime.bigint();
  const acc = run(n);
  const t1 = process.hrtime.bigint();
  if (acc !== n * expectedLength[s.name]) throw new Error(`${s.name}: unexpected ID lengths`);
  return Number(t1 - t0);
}

// Warm-up and calibration: find n so that one round of this subject takes ~ROUND_MS.
const perRound = new Map<string, number>();
for (const s of subjects) {
  let n = 1000;
  let spent = 0;
  let ns = timeRun(s, n);
  while (spent < WARMUP_MS * 1e6) {
    ns = timeRun(s, n);
    spent += ns;
    if (ns < 5e6) n *= 2;
  }
  perRound.set(s.name, Math.max(1000, Math.round((n * ROUND_MS * 1e6) / ns)));
}

const samples = new Map<string, number[]>(subjects.map((s) => [s.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < subjects.length; k++) {
    const s = subjects[(k + round) % subjects.length];
    const n = perRound.get(s.name)!;
    samples.get(s.name)!.push(timeRun(s, n) / n);
  }
}

const BASELINE = 'crypto.randomUUID';
const baselineSamples = samples.get(BASELINE)!;
const results = subjects.map((s) => {
  const xs = samples.get(s.name)!;
  const med = median(xs);
  // Paired ratio: this subject vs crypto.randomUUID measured in the same round, then the median
  // over rounds. Load from other processes drifts over seconds; pairing within a round cancels it.
  const ratio = median(xs.map((x, round) => x / baselineSamples[round]));
  return {
    name: s.name,
    ours: s.ours,
    idsPerRound: perRound.get(s.name)!,
    medianNs: +med.toFixed(1),
    minNs: +Math.min(...xs).toFixed(1),
    maxNs: +Math.max(...xs).toFixed(1),
    ratioVsRandomUUID: +ratio.toFixed(3),
    ratioOfMedians: +(med / median(baselineSamples)).toFixed(3),
    opsPerSec: Math.round(1e9 / med),
  };
});
const byName = (name: string): number => results.find((r) => r.name === name)!.medianNs;

const targets = [
  ...results
    .filter((r) => r.ours)
    .map((r) => ({
      target: `${r.name}: ratio <= 1.00 vs crypto.randomUUID`,
      value: `${r.ratioVsRandomUUID.toFixed(2)}`,
      pass: r.ratioVsRandomUUID <= 1.0,
    })),
  (() => {
    const speedup = byName('npm ksuid randomSync().string') / byName('ours ksuid');
    return { target: 'ours ksuid >= 20x faster than npm ksuid', value: `${speedup.toFixed(1)}x`, pass: speedup >= 20 };
  })(),
  (() => {
    const speedup = byName('npm uuid v7') / byName('ours uuidv7');
    return { target: 'ours uuidv7 >= 3x faster than npm uuid v7', value: `${speedup.toFixed(1)}x`, pass: speedup >= 3 };
  })(),
];

const pad = (s: string, n: number): string => s.padEnd(n);
const lpad = (s: string, n: number): string => s.padStart(n);
const lines: string[] = [];
lines.push(
  `ID generators: node ${process.version}, ${ROUNDS} interleaved rounds of ~${ROUND_MS} ms each, median ns/ID` +
    (QUICK ? ' (--quick)' : ''),
);
lines.push('"vs randomUUID" = median over rounds of the ratio to crypto.randomUUID in the same round (lower is faster)');
lines.push(`${pad('generator', 36)} ${lpad('median ns', 10)} ${lpad('min', 8)} ${lpad('max', 8)} ${lpad('M ids/s', 8)} ${lpad('vs randomUUID', 13)}`);
lines.push('-'.repeat(88));
for (const r of results) {
  lines.push(
    `${pad(r.name, 36)} ${lpad(r.medianNs.toFixed(1), 10)} ${lpad(r.minNs.toFixed(1), 8)} ${lpad(r.maxNs.toFixed(1), 8)} ` +
      `${lpad((r.opsPerSec / 1e6).toFixed(2), 8)} ${lpad(r.ratioVsRandomUUID.toFixed(2) + 'x', 13)}`,
  );
}
lines.push('-'.repeat(88));
for (const t of targets) lines.push(`${t.pass ? 'PASS' : 'MISS'}  ${pad(t.target, 66)} ${t.value}`);
console.log(lines.join('\n'));

const outDir = join(__dirname, 'results');
mkdirSync(outDir, { recursive: true });
const outFile = join(outDir, 'ids.json');
writeFileSync(
  outFile,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      quick: QUICK,
      rounds: ROUNDS,
      roundMs: ROUND_MS,
      baseline: BASELINE,
      ratio: 'median over rounds of (ns/ID) / (crypto.randomUUID ns/ID in the same round)',
      results,
      targets,
    },
    null,
    2,
  ) + '\n',
);
console.log(`wrote ${outFile}`);

if (STRICT && targets.some((t) => !t.pass)) process.exitCode = 1;
