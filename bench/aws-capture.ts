/**
 * Vendor request ID capture micro-benchmark (AWS and the other vendors of src/vendors/):
 * ns per response in the `http.client.response.finish` and `undici:request:headers` subscribers,
 * for a response from a host no vendor lists next to a baseline subscriber that does nothing and
 * to the AWS-only scan this package had before the vendor table (re-created here as a reference),
 * for a listed host (api.openai.com, with and without its ID) and for AWS responses (which write
 * the IDs on a recording CLIENT span); plus the request side (the `Agent.prototype.addRequest`
 * hook, which matches the destination host against the table) and an allocation check.
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
 * Finally each case is checked to have recorded (AWS, OpenAI's ID) or not recorded (unlisted host) the IDs.
 * No timing is asserted: results go to bench/results/aws-capture.json.
 */
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { getHeapStatistics, GCProfiler } from 'v8';
import { context, ROOT_CONTEXT, SpanKind, trace, type Context, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { ResponseIdCapture } from '../src/capture/response-id-capture';
import { compileConfig } from '../src/config/compile-config';
import { Guard } from '../src/diag';
import { ATTR_AWS_REQUEST_ID } from '../src';
// No longer exported (CHANGELOG): the attribute is the string `rid.openai.request_id`.
import { ATTR_OPENAI_REQUEST_ID } from '../src/vendors/openai';
import { median } from './lib/stats';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const ROUNDS = QUICK ? 5 : 21;
const ROUND_MS = QUICK ? 10 : 60;
const WARMUP_MS = QUICK ? 60 : 400;
const ALLOC_CALLS = QUICK ? 200_000 : 1_000_000;

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const tracer = new TracerProvider().getTracer('bench');
// Every built-in vendor and the downstream echo of X-Request-Id: the default config, compiled as the instrumentation compiles it.
const capture = new ResponseIdCapture(compileConfig({}, new Guard()).vendorTable!, new Guard(), () => tracer);
// The capture's claim on a request (see src/capture/claim.ts), restored before every call.
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
// What api.openai.com answers (behind Cloudflare), with and without its x-request-id.
const OPENAI: string[] = [
  'Date', 'Tue, 03 Nov 2026 10:00:00 GMT',
  'Content-Type', 'application/json',
  'Transfer-Encoding', 'chunked',
  'Connection', 'keep-alive',
  'access-control-expose-headers', 'X-Request-ID',
  'openai-organization', 'user-abc123',
  'openai-processing-ms', '412',
  'openai-version', '2020-10-01',
  'x-ratelimit-limit-requests', '10000',
  'x-ratelimit-remaining-requests', '9999',
  'x-request-id', 'req_8f3b6c2a1d4e5f6a7b8c9d0e1f2a3b4c',
  'strict-transport-security', 'max-age=31536000; includeSubDomains; preload',
  'cf-cache-status', 'DYNAMIC',
  'Server', 'cloudflare',
  'cf-ray', '8f1c2d3e4a5b6c7d-IAD',
];
// The same answer without X-Request-Id (a service that sends none, or one not reached with ours).
const NO_ECHO = NON_AWS.filter((_, i) => NON_AWS[i - (i % 2)] !== 'X-Request-Id');
const OPENAI_NO_ID = OPENAI.filter((_, i) => OPENAI[i - (i % 2)] !== 'x-request-id');
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
  /** The attribute checked for `recordsOnSpan`. */
  attribute?: string;
  span?: Span;
  run: Runner;
}

const SENT_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const UNLISTED = 'api.example.com';
const AWS_HOST = 'bucket.s3.us-east-1.amazonaws.com';

/**
 * A request as `Agent.prototype.addRequest` (or undici) sees it: it carried our X-Request-Id, which
 * the NON_AWS answer echoes unchanged (so the downstream-echo check runs, and records nothing).
 */
function fakeRequest(host = AWS_HOST): Record<PropertyKey, unknown> {
  return {
    method: 'GET',
    host,
    origin: `https://${host}`,
    socket: null,
    getHeader: (name: string) => (name === 'x-request-id' ? SENT_ID : undefined),
    headers: ['x-request-id', SENT_ID],
  };
}

// One fresh function literal per case: monomorphic call sites, inlinable targets.
const RESPONSE_LOOP =
  'return function run(n) { for (let i = 0; i < n; i++) { request[CONTEXT] = ctx; handler(message); ' +
  'const own = request[OWN]; if (own !== undefined) { own.end(); request[OWN] = undefined; } } };';
const REQUEST_LOOP = 'return function run(n) { for (let i = 0; i < n; i++) { request[CONTEXT] = undefined; hook(request); } };';

function responseCase(
  name: string,
  kind: 'http' | 'fetch',
  headers: string[],
  recordsOnSpan: boolean | undefined,
  handler?: (m: unknown) => void,
  host = AWS_HOST,
  attribute = ATTR_AWS_REQUEST_ID,
): Case {
  const span = tracer.startSpan('GET', { kind: SpanKind.CLIENT });
  const request = fakeRequest(host);
  const ctx = trace.setSpan(ROOT_CONTEXT, span);
  context.with(ctx, () => (kind === 'http' ? capture.onHttpRequest(request as never) : capture.onFetchRequest({ request })));
  if (request[CONTEXT] !== ctx) throw new Error(`${name}: the request hook did not claim the request`);
  const response = kind === 'http' ? { rawHeaders: headers, statusCode: 200 } : { headers: asBuffers(headers), statusCode: 200 };
  const chosen = handler ?? (kind === 'http' ? capture.onHttpResponse : capture.onFetchResponse);
  const make = new Function('handler', 'message', 'request', 'ctx', 'CONTEXT', 'OWN', RESPONSE_LOOP) as (...a: unknown[]) => Runner;
  return { name, side: 'response', recordsOnSpan, attribute, span, run: make(chosen, { request, response }, request, ctx, CONTEXT, OWN) };
}

function requestCase(name: string, hook: (request: never) => void, ctx: Context, host?: string): Case {
  const request = fakeRequest(host);
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

// For comparison only: the AWS-only pass this package made before the vendor table (its
// `x-amz` pre-filter of a length check and five character compares per name), over the same headers.
const awsOnlyPass = (message: unknown): void => {
  const raw = (message as { response: { rawHeaders: string[] } }).response.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const n = name.length;
    if (
      n >= 10 &&
      n <= 32 &&
      (name.charCodeAt(0) | 0x20) === 0x78 &&
      name.charCodeAt(1) === 0x2d &&
      (name.charCodeAt(2) | 0x20) === 0x61 &&
      (name.charCodeAt(3) | 0x20) === 0x6d &&
      (name.charCodeAt(4) | 0x20) === 0x7a
    ) {
      throw new Error('not expected');
    }
  }
};

const underClientSpan = trace.setSpan(ROOT_CONTEXT, tracer.startSpan('GET', { kind: SpanKind.CLIENT }));
const cases: Case[] = [
  responseCase('response: baseline (does nothing)', 'http', NON_AWS, false, noop),
  responseCase('response: reference, 7 look-ups on headers', 'http', NON_AWS, false, lookups),
  responseCase('response: reference, the AWS-only pass before', 'http', NON_AWS, false, awsOnlyPass),
  responseCase('response: http, unlisted host (12 headers)', 'http', NON_AWS, false, undefined, UNLISTED),
  responseCase('response: http, non-AWS (12 headers)', 'http', NON_AWS, false),
  responseCase('response: http, listed host, no ID (OpenAI, 14)', 'http', OPENAI_NO_ID, false, undefined, 'api.openai.com', ATTR_OPENAI_REQUEST_ID),
  responseCase('response: http, listed host, ID (OpenAI, 15)', 'http', OPENAI, true, undefined, 'api.openai.com', ATTR_OPENAI_REQUEST_ID),
  responseCase('response: http, AWS (S3, 10 headers)', 'http', AWS_S3, true),
  responseCase('response: http, AWS (DynamoDB, 7 headers)', 'http', AWS_DYNAMO, true),
  responseCase('response: fetch, unlisted host (12 Buffers)', 'fetch', NON_AWS, undefined, undefined, UNLISTED),
  responseCase('response: fetch, unlisted, no X-Request-Id (11)', 'fetch', NO_ECHO, undefined, undefined, UNLISTED),
  responseCase('response: http, unlisted, no X-Request-Id (11)', 'http', NO_ECHO, false, undefined, UNLISTED),
  // fetch writes on a span of its own, started and ended here every time.
  responseCase('response: fetch, AWS (S3; own span)', 'fetch', AWS_S3, false),
  requestCase('request: baseline (does nothing)', noop as (request: never) => void, underClientSpan),
  requestCase('request: http hook, under a CLIENT span', capture.onHttpRequest, underClientSpan),
  requestCase('request: http hook, CLIENT span, OpenAI host', capture.onHttpRequest, underClientSpan, 'api.openai.com'),
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
    const recorded = (c.span as unknown as { attributes: Record<string, unknown> }).attributes[c.attribute ?? ATTR_AWS_REQUEST_ID] !== undefined;
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
    `Vendor request ID capture: node ${process.version}, ${ROUNDS} interleaved rounds of ~${ROUND_MS} ms, median CPU ns per call` +
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
