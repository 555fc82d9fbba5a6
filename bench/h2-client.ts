/**
 * HTTP/2 clients: CPU per call of `session.request()` in a client process, with this package
 * against without it, and against another build of it (A/B of a source change in one run).
 *
 *   npm run build && node -r ts-node/register/transpile-only bench/h2-client.ts [--rounds 21] [--calls 2000] [--base DIR]
 *
 * `--base DIR`: a second build's `build/src` (e.g. an older commit: `git archive <commit> src
 * tsconfig.json tsconfig.build.json package.json | tar -x -C DIR`, a `node_modules` link to this
 * repository's, `tsc -p tsconfig.build.json` there). Each variant is a client process of its own
 * (the HTTP/2 patch is process-wide), all calling one h2c server in this process, which answers
 * with an `x-amzn-requestid` (so the capture runs too). Rounds are interleaved in a shuffled order;
 * a round's figure is the client's own `process.cpuUsage()` over its calls; ratios are taken within
 * each round (bench/lib/report.ts), with the 95 % interval of their median.
 *
 * Variants: `bare` (the SDK, no instrumentation), `rid` (this build's RequestIdInstrumentation,
 * calls made inside `runWithRequestId`), `base` (the same from `--base`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ratioSummary } from './lib/report';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : args[i + 1];
};

if (args[0] === '--child') void child(args[1], Number(args[2]));
else void parent();

async function parent(): Promise<void> {
  const rounds = Number(option('--rounds', '21'));
  const calls = Number(option('--calls', '2000'));
  const base = option('--base', '');
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200, 'x-amzn-requestid': 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef' });
    stream.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const variants: Record<string, string> = { bare: 'none', rid: join(__dirname, '..', 'build', 'src', 'index.js') };
  if (base !== '') variants.base = join(base, 'index.js');
  const children = Object.fromEntries(Object.entries(variants).map(([name, pkg]) => [name, fork(__filename, ['--child', pkg, String(port)], { execArgv: ['-r', 'ts-node/register/transpile-only'] })]));
  const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((v) => [v, []]));
  const names = Object.keys(variants);
  for (const name of names) await round(children[name], calls); // warm-up
  for (let r = 0; r < rounds; r++) {
    const order = [...names].sort(() => Math.random() - 0.5);
    for (const name of order) cpu[name].push(await round(children[name], calls));
  }
  for (const c of Object.values(children)) c.kill();
  server.close();
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const pairs = [ratioSummary({ num: 'rid', den: 'bare', label: 'this build / no instrumentation' }, cpu.rid, cpu.bare)];
  if (base !== '') {
    pairs.push(ratioSummary({ num: 'base', den: 'bare', label: 'base build / no instrumentation' }, cpu.base, cpu.bare));
    pairs.push(ratioSummary({ num: 'rid', den: 'base', label: 'this build / base build' }, cpu.rid, cpu.base));
  }
  const perCall = Object.fromEntries(names.map((n) => [n, +median(cpu[n]).toFixed(2)]));
  console.log(JSON.stringify({ node: process.version, rounds, calls, cpuUsPerCallMedian: perCall, ratios: pairs }, null, 2));
}

function round(c: ChildProcess, calls: number): Promise<number> {
  return new Promise((resolve) => {
    c.once('message', (m) => resolve((m as { cpuUsPerCall: number }).cpuUsPerCall));
    c.send({ calls });
  });
}

async function child(pkg: string, port: number): Promise<void> {
  const { context, propagation, trace } = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
  const { TracerProvider } = await import('@opentelemetry/sdk-trace');
  const { batchProcessor, DiscardingExporter } = await import('./lib/otel');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [batchProcessor(new DiscardingExporter())] }));
  let inRequest = (fn: () => Promise<void>): Promise<void> => fn();
  if (pkg !== 'none') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const rid = require(pkg) as typeof import('../src');
    new rid.RequestIdInstrumentation();
    inRequest = (fn) => rid.runWithRequestId('bench-request-id', fn);
  }
  const session = http2.connect(`http://127.0.0.1:${port}`);
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const stream = session.request({ ':path': '/' });
      stream.on('error', reject);
      stream.resume();
      stream.on('close', resolve);
    });
  process.on('message', (m) => {
    const { calls } = m as { calls: number };
    const start = process.cpuUsage();
    void inRequest(async () => {
      // 8 streams at a time on the one session, as an SDK client with concurrent calls would.
      let left = calls;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (left-- > 0) await one();
      }));
    }).then(() => {
      const used = process.cpuUsage(start);
      process.send!({ cpuUsPerCall: (used.user + used.system) / calls });
    });
  });
}
