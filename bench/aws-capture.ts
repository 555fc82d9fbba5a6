/**
 * AWS request ID capture micro-benchmark: ns per response in the `http.client.response.finish`
 * and `undici:request:headers` subscribers, for a non-AWS response next to a baseline subscriber
 * that does nothing, and for AWS responses (which write the IDs on a recording CLIENT span); plus
 * the request side (the `Agent.prototype.addRequest` hook) and an allocation check.
 *
 *   node -r ts-node/register/transpile-only bench/aws-capture.ts            # full run (~20 s)
 *   node -r ts-node/register/transpile-only bench/aws-capture.ts --quick    # CI smoke (a few seconds)
 *
 * Method: each case gets its own loop function (built with `new Function`, so every call site is
 * monomorphic), is warmed up, and is calibrated to ~ROUND_MS per round. ROUNDS rounds then run all
 * cases interleaved (order rotated each round, so drift and GC pressure are spread evenly); we
 * report the median CPU ns per call (process.cpuUsage(), which a busy shared machine disturbs far
 * less than wall time; the wall-clock median is reported too) and the difference from the
 * baseline of its side. Every iteration restores the request's claim (the baseline pays that
 * too), so each call does the full work. Then each case runs ALLOC_CALLS more calls to measure
 * the bytes it allocates per call: the heap's growth plus what every GC in between freed (from
 * v8.GCProfiler). A path that allocates nothing shows 0.
 * Finally each case is checked to have recorded (AWS) or not recorded (non-AWS) the IDs.
 * No timing is asserted: results go to bench/results/aws-capture.json.
 */
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { getHeapStatistics, GCProfiler } from 'v8';
import { context, ROOT_CONTEXT, SpanKind, trace, type Context, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { AwsRequestIdCapture } from '../src/capture/aws-capture';
import { ATTR_AWS_REQUEST_ID } from '../src/capture/vendors/aws';
import { median } from './lib/stats';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const ROUNDS = QUICK ? 5 : 21;
const ROUND_MS = QUICK ? 10 : 60;
const WARMUP_MS = QUICK ? 60 : 400;
const ALLOC_CALLS = QUICK ? 200_000 : 1_000_000;

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const tracer = new TracerProvider().getTracer('bench');
const capture = new AwsRequestIdCapture();
// The capture's claim on a request (see src/capture/aws-capture.ts), restored before every call.
const CONTEXT = Symbol.for('@rid/otel.aws-context');
const OWN = Symbol.for('@rid/otel.aws-own');

// What a typical JSON API answers (express behind a load balancer).
const NON_AWS: string[] = [
  'Date', 'Tue, 03 Nov 2026 10:00:00 GMT',
  'Content-Type', 'application/json; charset=utf-8',
  'Content-Length', '1234',
  'Connection', 'keep-alive',
  'Keep-Alive', 'timeout=5',
  'X-Powered-By', 'Express',
  'ETag', 'W/"4d2-abc123"',
  'Cache-Control', 'no-store',
  'Vary', 'Accept-Encoding',
  'X-Request-Id', '0f8fad5b-d9cb-469f-a165-70867728950e',
  'Access-Control-Allow-Origin', '*',
  'Strict-Transport-Security', 'max-age=31536000',
];
// An S3 GetObject answer.
const AWS_S3: string[] = [
  'x-amz-id-2', 'Rd+VkxLchOwmgK/K8Q+kzOuevaVu7BF+Vwfeul+L89DNQX8xDhsYo9W+U/EwI0svlSXb4XtyNVU=',
  'x-amz-request-id', 'TV9A5STHP2EB68KX',
  'Date', 'Tue, 03 Nov 2026 10:00:00 GMT',
  'Last-Modified', 'Mon, 02 Nov 2026 09:00:00 GMT',
  'ETag', '"fba9dede5f27731c9771645a39863328"',
  'x-amz-server-side-encryption', 'AES256',
  'Accept-Ranges', 'bytes',
  'Content-Type', 'text/plain',
  'Content-Length', '434234',
  'Server', 'AmazonS3',
];
// A DynamoDB answer.
const AWS_DYNAMO: string[] = [
  'Server', 'Server',
  'Date', 'Tue, 03 Nov 2026 10:00:00 GMT',
  'Content-Type', 'application/x-amz-json-1.0',
  'Content-Length', '2',
  'Connection', 'keep-alive',
  'x-amzn-RequestId', 'K2QH8DNOU907N97FNA2GDLL8OBVV4KQNSO5AEMVJF66Q9ASUAAJG',
  'x-amz-crc32', '2745614147',
];

const asBuffers = (raw: string[]): Buffer[] => raw.map((s) => Buffer.from(s, 'latin1'));

type Side = 'response' | 'request';
type Runner = (n: number) => void;
interface Case {
  name: string;
  side: Side;
  /** Whether the IDs must end up on `span` (undefined: not checked). */
  recordsOnSpan?: boolean;
  span?: Span;
  run: Runner;
}

/** A request as `Agent.prototype.addRequest` sees it: under a recording CLIENT span (HttpInstrumentation's). */
function fakeRequest(): Record<PropertyKey, unknown> {
  return {
    method: 'GET',
    host: 'bucket.s3.us-east-1.amazonaws.com',
    origin: 'https://dynamodb.us-east-1.amazonaws.com',
    socket: null,
    getHeader: () => undefined,
    headers: [],
  };
}

// One fresh function literal per case: monomorphic call sites, inlinable targets.
const RESPONSE_LOOP =
  'return function run(n) { for (let i = 0; i < n; i++) { request[CONTEXT] = ctx; handler(message); ' +
  'const own = request[OWN]; if (own !== undefined) { own.end(); request[OWN] = undefined; } } };';
const REQUEST_LOOP = 'return function run(n) { for (let i = 0; i < n; i++) { request[CONTEXT] = undefined; hook(request); } };';

function responseCase(name: string, kind: 'http' | 'fetch', headers: string[], recordsOnSpan: boolean, handler?: (m: unknown) => void): Case {
  const span = tracer.startSpan('GET', { kind: SpanKind.CLIENT });
  const request = fakeRequest();
  const ctx = trace.setSpan(ROOT_CONTEXT, span);
  context.with(ctx, () => (kind === 'http' ? capture.onHttpRequest(request as never) : capture.onFetchRequest({ request })));
  if (request[CONTEXT] !== ctx) throw new Error(`${name}: the request hook did not claim the request`);
  const response = kind === 'http' ? { rawHeaders: headers, statusCode: 200 } : { headers: asBuffers(headers), statusCode: 200 };
  const chosen = handler ?? (kind === 'http' ? capture.onHttpResponse : capture.onFetchResponse);
  const make = new Function('handler', 'message', 'request', 'ctx', 'CONTEXT', 'OWN', RESPONSE_LOOP) as (...a: unknown[]) => Runner;
  return { name, side: 'response', recordsOnSpan, span, run: make(chosen, { request, response }, request, ctx, CONTEXT, OWN) };
}

function requestCase(name: string, hook: (request: never) => void, ctx: Context): Case {
  const request = fakeRequest();
  const loop = (new Function('hook', 'request', 'CONTEXT', REQUEST_LOOP) as (...a: unknown[]) => Runner)(hook, request, CONTEXT);
  return { name, side: 'request', run: (n) => context.with(ctx, () => loop(n)) };
}

const noop = (message: unknown): void => void message;
// For comparison only: the other way to look, seven look-ups on `response.headers` (which Node
// builds lazily; here it is built already, as it is once HttpInstrumentation or the app read it).
const HEADER_KEYS = ['x-amzn-requestid', 'x-amzn-request-id', 'x-amz-request-id', 'x-amz-id-2', 'x-amzn-remapped-x-amzn-requestid', 'x-amz-cf-id', 'x-amz-apigw-id'];
const builtHeaders: Record<string, string> = {};
for (let i = 0; i < NON_AWS.length; i += 2) builtHeaders[NON_AWS[i].toLowerCase()] = NON_AWS[i + 1];
const lookups = (message: unknown): void => {
  const headers = (message as { response: { headers?: Record<string, string | undefined> } }).response.headers ?? builtHeaders;
  for (let i = 0; i < HEADER_KEYS.length; i++) if (headers[HEADER_KEYS[i]] !== undefined) throw new Error('not expected');
};

const underClientSpan = trace.setSpan(ROOT_CONTEXT, tracer.startSpan('GET', { kind: SpanKind.CLIENT }));
const cases: Case[] = [
  responseCase('response: baseline (does nothing)', 'http', NON_AWS, false, noop),
  responseCase('response: reference, 7 look-ups on headers', 'http', NON_AWS, false, lookups),
  responseCase('response: http, non-AWS (12 headers)', 'http', NON_AWS, false),
  responseCase('response: http, AWS (S3, 10 headers)', 'http', AWS_S3, true),
  responseCase('response: http, AWS (DynamoDB, 7 headers)', 'http', AWS_DYNAMO, true),
  responseCase('response: fetch, non-AWS (12 Buffer headers)', 'fetch', NON_AWS, false),
  // fetch writes on a span of its own, started and ended here every time.
  responseCase('response: fetch, AWS (S3; own span)', 'fetch', AWS_S3, false),
  requestCase('request: baseline (does nothing)', noop as (request: never) => void, underClientSpan),
  requestCase('request: http hook, under a CLIENT span', capture.onHttpRequest, underClientSpan),
  requestCase('request: http hook, no span (own-span mode)', capture.onHttpRequest, ROOT_CONTEXT),
];

function timeRun(c: Case, n: number): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  c.run(n);
  const wall = Number(process.hrtime.bigint() - t0);
  const c1 = process.cpuUsage(c0);
  return { wall, cpu: (c1.user + c1.system) * 1000 };
}

function main(): void {
  const perRound = new Map<string, number>();
  for (const c of cases) {
    let n = 1000;
    let spent = 0;
    let ns = timeRun(c, n).wall;
    while (spent < WARMUP_MS * 1e6) {
      ns = timeRun(c, n).wall;
      spent += ns;
      if (ns < 5e6) n *= 2;
    }
    perRound.set(c.name, Math.max(1000, Math.round((n * ROUND_MS * 1e6) / ns)));
  }

  const cpuSamples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  const wallSamples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(k + round) % cases.length];
      const n = perRound.get(c.name)!;
      const { wall, cpu } = timeRun(c, n);
      cpuSamples.get(c.name)!.push(cpu / n);
      wallSamples.get(c.name)!.push(wall / n);
    }
  }

  // Allocation: bytes per call over ALLOC_CALLS calls (heap growth plus what each GC freed).
  const bytesPerCall = new Map<string, number>();
  for (const c of cases) {
    const profiler = new GCProfiler();
    profiler.start();
    const before = getHeapStatistics().used_heap_size;
    c.run(ALLOC_CALLS);
    const after = getHeapStatistics().used_heap_size;
    let freed = 0;
    for (const gc of profiler.stop().statistics) freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
    bytesPerCall.set(c.name, Math.max(0, (after - before + freed) / ALLOC_CALLS));
  }

  for (const c of cases) {
    if (c.recordsOnSpan === undefined) continue;
    const recorded = (c.span as unknown as { attributes: Record<string, unknown> }).attributes[ATTR_AWS_REQUEST_ID] !== undefined;
    if (recorded !== c.recordsOnSpan) throw new Error(`${c.name}: recorded=${recorded}, expected ${c.recordsOnSpan}`);
  }

  const baselines: Record<Side, number> = {
    response: median(cpuSamples.get(cases.find((c) => c.side === 'response')!.name)!),
    request: median(cpuSamples.get(cases.find((c) => c.side === 'request')!.name)!),
  };
  const results = cases.map((c) => {
    const xs = cpuSamples.get(c.name)!;
    const med = median(xs);
    return {
      name: c.name,
      side: c.side,
      callsPerRound: perRound.get(c.name)!,
      medianCpuNs: +med.toFixed(1),
      minCpuNs: +Math.min(...xs).toFixed(1),
      maxCpuNs: +Math.max(...xs).toFixed(1),
      overBaselineNs: +(med - baselines[c.side]).toFixed(1),
      wallMedianNs: +median(wallSamples.get(c.name)!).toFixed(1),
      bytesPerCall: +bytesPerCall.get(c.name)!.toFixed(1),
    };
  });

  const pad = (s: string, n: number): string => s.padEnd(n);
  const lpad = (s: string, n: number): string => s.padStart(n);
  const lines: string[] = [];
  lines.push(
    `AWS request ID capture: node ${process.version}, ${ROUNDS} interleaved rounds of ~${ROUND_MS} ms, median CPU ns per call` +
      (QUICK ? ' (--quick)' : ''),
  );
  lines.push(
    `${pad('case', 46)} ${lpad('median', 8)} ${lpad('min', 8)} ${lpad('max', 8)} ${lpad('vs baseline', 12)} ${lpad('wall', 8)} ${lpad('bytes/call', 10)}`,
  );
  lines.push('-'.repeat(106));
  for (const r of results) {
    lines.push(
      `${pad(r.name, 46)} ${lpad(r.medianCpuNs.toFixed(1), 8)} ${lpad(r.minCpuNs.toFixed(1), 8)} ${lpad(r.maxCpuNs.toFixed(1), 8)} ` +
        `${lpad((r.overBaselineNs >= 0 ? '+' : '') + r.overBaselineNs.toFixed(1), 12)} ${lpad(r.wallMedianNs.toFixed(1), 8)} ${lpad(r.bytesPerCall.toFixed(1), 10)}`,
    );
  }
  console.log(lines.join('\n'));

  const outDir = join(__dirname, 'results');
  mkdirSync(outDir, { recursive: true });
  const outFile = join(outDir, 'aws-capture.json');
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
        allocCalls: ALLOC_CALLS,
        unit: 'CPU ns per call (process.cpuUsage); wallMedianNs: wall-clock ns; bytesPerCall: heap bytes allocated per call, over allocCalls calls',
        results,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`wrote ${outFile}`);
}

main();
