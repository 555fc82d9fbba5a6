/**
 * What `NODE_OPTIONS=--require @rid/otel/register` adds to an AWS Lambda cold start:
 *
 *   npm run bench:lambda [-- --rounds 15 --ric 4]
 *
 * The real runtime interface client (aws-lambda-ric 4 on Node 24, the nodejs24.x runtime; `--ric 3`
 * for nodejs22.x on Node 22; compat/lambda/install.sh installs them) runs the test function of
 * test/lambda/handlers (an HTTP call downstream and a DynamoDB call, on dynalite) against a local
 * Runtime API (bench/lib/lambda-runtime.ts), started bare and under register (see functionFolder),
 * interleaved in a rotating order. Per start:
 * - init: from spawn to the runtime's first `invocation/next` (Lambda's Init phase: the runtime,
 *   the preload and the handler module loaded);
 * - first invocation: from the event's dispatch to the result, API Gateway REST event (under
 *   register it includes building the OTLP exporter and the flush to a local receiver);
 * - a warm invocation: the second one.
 * Reported: medians and the per-round overhead over bare, median with its 95 % interval.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ROOT } from './lib/app-process';
import { LambdaRuntimeApi, startFunction, type RicLine } from './lib/lambda-runtime';
import { startOtlpReceiver } from './lib/otlp-receiver';
import { median, medianCI, round } from './lib/stats';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const ROUNDS = flag('--rounds', 15);
const RIC = flag('--ric', 4) as RicLine;
const HANDLERS = join(ROOT, 'test', 'lambda', 'handlers');
const EVENT = JSON.parse(readFileSync(join(ROOT, 'test', 'lambda', 'events', 'apigw-rest.json'), 'utf8')) as unknown;

/**
 * The function as the docs set it up: its folder's node_modules holds `@rid/otel` (this repository),
 * the AWS SDK client it calls, and nothing else, so register runs HttpInstrumentation,
 * UndiciInstrumentation and AwsLambdaInstrumentation. test/lambda/handlers itself resolves
 * auto-instrumentations-node from this repository: the `rid+auto` row, for information.
 */
function functionFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rid-lambda-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'node_modules', '@rid'), { recursive: true });
  symlinkSync(ROOT, join(dir, 'node_modules', '@rid', 'otel'), 'dir');
  symlinkSync(join(ROOT, 'node_modules', '@aws-sdk'), join(dir, 'node_modules', '@aws-sdk'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{"name":"orders-function","private":true}\n');
  writeFileSync(join(dir, 'index.js'), readFileSync(join(HANDLERS, 'index.js'), 'utf8').replace("require('../../../build/src')", "require('@rid/otel')"));
  return dir;
}
const FUNCTION = functionFolder();

type Variant = 'bare' | 'rid' | 'rid+auto';
interface Sample {
  initMs: number;
  firstMs: number;
  warmMs: number;
}

async function coldStart(variant: Variant, env: NodeJS.ProcessEnv): Promise<Sample> {
  const api = await LambdaRuntimeApi.start();
  const t0 = Date.now();
  const fn = startFunction({
    ric: RIC,
    api,
    handlerDir: variant === 'rid+auto' ? HANDLERS : FUNCTION,
    handler: 'index.handler',
    env: variant === 'bare' ? env : { ...env, NODE_OPTIONS: `--require ${join(ROOT, 'build/src/register.js')}` },
  });
  try {
    const sent = Date.now();
    const first = await api.invoke(EVENT);
    if (first.error !== undefined) throw new Error(`${variant}: ${JSON.stringify(first.error)}\n${fn.output()}`);
    const warmSent = Date.now();
    const warm = await api.invoke(EVENT);
    // The runtime is ready once it asks for its first event; the first event was queued before that.
    const ready = api.nextRequests[0];
    return { initMs: ready - t0, firstMs: first.respondedAt - Math.max(sent, ready), warmMs: warm.respondedAt - warmSent };
  } finally {
    await fn.stop();
    await api.close();
  }
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'build', 'src', 'register.js'))) throw new Error('build/ is missing: npm run build first');
  const receiver = await startOtlpReceiver();
  const downstream = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => downstream.listen(0, '127.0.0.1', r));
  // DynamoDB: dynalite, in memory (it ships no types).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynamo = (require('dynalite') as (options: object) => http.Server)({});
  await new Promise<void>((r) => dynamo.listen(0, '127.0.0.1', r));
  const env = {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    DOWNSTREAM_URL: `http://127.0.0.1:${(downstream.address() as AddressInfo).port}/`,
    DYNAMO_ENDPOINT: `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`,
  };
  const variants: Variant[] = ['bare', 'rid', 'rid+auto'];
  const samples: Record<Variant, Sample[]> = { bare: [], rid: [], 'rid+auto': [] };
  for (const v of variants) await coldStart(v, env); // warm the file cache
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(r + i) % variants.length];
      samples[v].push(await coldStart(v, env));
    }
    process.stderr.write(`lambda cold start: round ${r + 1}/${ROUNDS}\r`);
  }
  process.stderr.write('\n');
  console.log(`AWS Lambda cold start, aws-lambda-ric ${RIC}, median of ${ROUNDS} interleaved rounds (ms):`);
  for (const key of ['initMs', 'firstMs', 'warmMs'] as const) {
    const medianOf = (v: Variant): string => String(round(median(samples[v].map((s) => s[key])), 1)).padStart(7);
    const added = (v: Variant): string => {
      const over = samples.bare.map((b, r) => samples[v][r][key] - b[key]);
      const ci = medianCI(over);
      return `${round(median(over), 1)} [95 % CI ${round(ci.low, 1)}, ${round(ci.high, 1)}]`;
    };
    console.log(`  ${key.replace('Ms', '').padEnd(6)} bare ${medianOf('bare')}  rid ${medianOf('rid')} (+${added('rid')})  rid+auto ${medianOf('rid+auto')} (+${added('rid+auto')})`);
  }
  await receiver.close();
  for (const server of [dynamo, downstream]) server.closeAllConnections();
  await Promise.all([dynamo, downstream].map((server) => new Promise<void>((r) => server.close(() => r()))));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
