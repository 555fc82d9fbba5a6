/**
 * Uniqueness soak: N IDs per random algorithm (default 10 million), no duplicates allowed.
 *
 *   node --expose-gc -r ts-node/register/transpile-only bench/uniqueness.ts  # 10,000,000 per algorithm
 *   node -r ts-node/register/transpile-only bench/uniqueness.ts --count 100000
 *
 * One algorithm at a time, each with its own Set of strings that is dropped before the next one,
 * so memory stays bounded (~1 GB at 10M 36-char IDs; Node's default heap limit is enough on a
 * 64-bit machine, add --max-old-space-size=4096 if yours is smaller). Exits 1 on any duplicate.
 */
import { ALGORITHMS, createGenerator, type AlgorithmName } from '../src/generators';

function parseCount(argv: string[]): number {
  const i = argv.indexOf('--count');
  if (i === -1) return 10_000_000;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1 || n > 16_000_000) {
    throw new Error(`--count must be an integer 1..16000000 (a JS Set holds at most 2^24 entries), got ${argv[i + 1]}`);
  }
  return n;
}

const COUNT = parseCount(process.argv.slice(2));
const gc = (globalThis as { gc?: () => void }).gc;
let failed = false;

console.log(`uniqueness: ${COUNT.toLocaleString('en-US')} IDs per algorithm, node ${process.version}`);
console.log(`${'algorithm'.padEnd(10)} ${'ids'.padStart(12)} ${'unique'.padStart(12)} ${'dups'.padStart(6)} ${'seconds'.padStart(8)} ${'heap MB'.padStart(8)}`);
interface Outcome {
  unique: number;
  duplicates: number;
  firstDuplicate?: string;
  seconds: number;
  heapMb: number;
}

/** Generates COUNT IDs into a Set local to this call, so it is garbage once we return. */
function soak(algorithm: AlgorithmName): Outcome {
  const gen = createGenerator(algorithm);
  const seen = new Set<string>();
  let duplicates = 0;
  let firstDuplicate: string | undefined;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < COUNT; i++) {
    const id = gen();
    const before = seen.size;
    seen.add(id);
    if (seen.size === before) {
      duplicates++;
      firstDuplicate ??= id;
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { unique: seen.size, duplicates, firstDuplicate, seconds, heapMb: process.memoryUsage().heapUsed / 2 ** 20 };
}

for (const algorithm of ALGORITHMS) {
  const r = soak(algorithm);
  gc?.(); // with --expose-gc: release the Set before the next algorithm
  if (r.duplicates > 0) failed = true;
  console.log(
    `${algorithm.padEnd(10)} ${COUNT.toLocaleString('en-US').padStart(12)} ${r.unique.toLocaleString('en-US').padStart(12)} ` +
      `${String(r.duplicates).padStart(6)} ${r.seconds.toFixed(2).padStart(8)} ${r.heapMb.toFixed(0).padStart(8)}` +
      (r.firstDuplicate ? `  first duplicate: ${r.firstDuplicate}` : ''),
  );
}
console.log(failed ? 'FAIL: duplicates found' : 'PASS: no duplicates');
if (failed) process.exitCode = 1;
