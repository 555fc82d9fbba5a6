/**
 * HTTP overhead benchmark: server CPU per request of the request-ID layer against plain `http`,
 * NodeSDK + HttpInstrumentation, and the hand-written minimum a user would add.
 *
 *   node -r ts-node/register/transpile-only bench/http.ts                 # 201 rounds x 600 requests per server, 2 processes each
 *   ... bench/http.ts --smoke                                             # a few seconds, tiny counts (CI)
 *   ... bench/http.ts --rounds 401 --replicas 3                           # more precision
 *   ... bench/http.ts --servers sdk,sdk-header --pairs sdk-header/sdk     # an ad-hoc comparison
 *   ... bench/http.ts --profile rid,register                              # CPU profiles instead of rounds
 *   ... bench/http.ts --incoming-id                                       # requests carry a valid X-Request-Id
 *   ... bench/http.ts --incoming-uuid                                     # the same, a UUID (traceIdFromRequestId's case)
 *
 * Method (bench/README.md): every server runs as `--replicas` child processes (bench/http-server.ts),
 * all running for the whole benchmark. This process is only the load generator: keep-alive
 * raw-socket clients on 127.0.0.1 whose connections stay open across rounds. A round sends
 * `--requests` requests to each server (split over its processes; the order rotates every round)
 * and reads each process's own `process.cpuUsage()` over IPC before and after its share, so the CPU
 * per request is the server's alone (all its threads: JS, GC, libuv), never the load generator's.
 * Each ratio (say rid/manual) is taken within a round, then we report the median and quartiles
 * over rounds: slow drifts of the machine cancel out within a round, and several processes per
 * server average out one process's luck. An A/A pair (two copies of the same server) shows the noise.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { benchEnv, startServer, type ServerProcess } from './lib/child';
import { KeepAliveClient } from './lib/load';
import { formatProfileSummary, summarizeProfile } from './lib/profile';
import { pinServers, ratioSummary, serverSummary, startAll, type Pair, type PairSummary, type ServerSummary } from './lib/report';
import { round } from './lib/stats';

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(name);
function option(name: string, fallback: string): string {
  const i = argv.indexOf(name);
  return i === -1 || argv[i + 1] === undefined ? fallback : argv[i + 1];
}
function intOption(name: string, fallback: number, min: number, max: number): number {
  const n = Number(option(name, String(fallback)));
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer ${min}..${max}`);
  return n;
}

const SMOKE = flag('--smoke');
const ROUNDS = intOption('--rounds', SMOKE ? 3 : 201, 1, 5000);
const REQUESTS = intOption('--requests', SMOKE ? 200 : 600, 10, 1_000_000);
const WARMUP = intOption('--warmup', SMOKE ? 300 : 5000, 0, 10_000_000);
const CONCURRENCY = intOption('--concurrency', 8, 1, 256);
// Processes per server: a Node process has its own luck (JIT decisions, heap layout) worth a few
// percent against an identical copy; averaging over copies shrinks that bias (bench/README.md).
const REPLICAS = intOption('--replicas', SMOKE ? 1 : 2, 1, 16);
const MAX_SECONDS = intOption('--max-seconds', SMOKE ? 120 : 1800, 5, 36_000);
const PROFILE = option('--profile', '');
const PROFILE_REQUESTS = intOption('--profile-requests', SMOKE ? 500 : 60_000, 100, 10_000_000);
const INCOMING_UUID = flag('--incoming-uuid');
const INCOMING_ID = flag('--incoming-id') || INCOMING_UUID;
const PIN = !flag('--no-pin');
const OUT = option('--out', join(__dirname, 'results', SMOKE ? 'smoke' : '', 'http.json'));

/** The servers of the issue, in its numbering. */
const LABELS: Record<string, string> = {
  plain: '(0) plain http',
  sdk: '(1) NodeSDK + HttpInstrumentation',
  rid: '(2) = (1) + RequestIdInstrumentation',
  register: '(3) register set-up (discarding exporter)',
  'rid-trace-id': "(2) with algorithm 'trace_id'",
  'rid-from-id': '(2) with traceIdFromRequestId',
  'rid-trace-response': "(2) with traceResponse 'both'",
  manual: '(4) = (1) + hand-written minimum',
  'manual-b': "(4') A/A copy of (4)",
  'manual-lower': "(4) with setHeader('x-request-id')",
  'sdk-header': '(1) + bare res.setHeader',
  'sdk-header-lower': "(1) + setHeader('x-request-id')",
  'sdk-header-store': '(1) + header via src/internals/node-http',
  'sdk-writehead': '(1) + setHeader at writeHead',
  'sdk-channel': '(1) + empty request.start subscriber',
  'sdk-als': '(1) + 2nd AsyncLocalStorage.enterWith',
  'sdk-otelctx': '(1) + state in OTel context (extract)',
  'sdk-prepend': "(1) + prepended no-op 'request' listener",
};
const DEFAULT_SERVERS = ['plain', 'sdk', 'rid', 'register', 'manual', 'manual-b'];
const SERVERS = option('--servers', DEFAULT_SERVERS.join(',')).split(',').filter(Boolean);
for (const s of SERVERS) {
  const [kind, snapshot] = s.split('@');
  if (!(kind in LABELS)) throw new Error(`unknown server ${s}; known: ${Object.keys(LABELS).join(', ')}`);
  if (snapshot !== undefined) LABELS[s] = `${LABELS[kind]} [${snapshot}]`;
}

const DEFAULT_PAIRS: Pair[] = [
  { num: 'rid', den: 'manual', label: '(2)/(4) RequestIdInstrumentation vs hand-written', target: 1.0 },
  { num: 'register', den: 'manual', label: '(3)/(4) register set-up vs hand-written', target: 1.05 },
  { num: 'sdk', den: 'plain', label: '(1)/(0) NodeSDK+HttpInstrumentation vs plain' },
  { num: 'manual', den: 'sdk', label: '(4)/(1) hand-written minimum vs NodeSDK' },
  { num: 'rid', den: 'sdk', label: '(2)/(1) RequestIdInstrumentation vs NodeSDK' },
  { num: 'manual-b', den: 'manual', label: "(4')/(4) A/A noise floor" },
  { num: 'rid-trace-id', den: 'rid', label: "trace_id vs uuid (the default algorithm)", target: 1.0 },
  { num: 'rid-from-id', den: 'rid', label: 'traceIdFromRequestId vs (2)', target: 1.0 },
  { num: 'rid-trace-response', den: 'rid', label: "traceResponse 'both' vs (2)" },
  { num: 'sdk-header', den: 'sdk', label: '(1) + setHeader vs (1)' },
  { num: 'sdk-header-lower', den: 'sdk', label: "(1) + setHeader('x-request-id') vs (1)" },
  { num: 'sdk-header-store', den: 'sdk', label: '(1) + response-header store vs (1)' },
  { num: 'sdk-writehead', den: 'sdk', label: '(1) + setHeader at writeHead vs (1)' },
  { num: 'sdk-channel', den: 'sdk', label: '(1) + channel subscriber vs (1)' },
  { num: 'sdk-als', den: 'sdk', label: '(1) + 2nd AsyncLocalStorage vs (1)' },
  { num: 'sdk-otelctx', den: 'sdk', label: '(1) + state in OTel context vs (1)' },
  { num: 'sdk-prepend', den: 'sdk', label: '(1) + prepended listener vs (1)' },
];
const PAIRS: Pair[] = (() => {
  const raw = option('--pairs', '');
  if (raw === '') return DEFAULT_PAIRS.filter((p) => SERVERS.includes(p.num) && SERVERS.includes(p.den));
  return raw.split(',').map((spec) => {
    const [num, den] = spec.split('/');
    if (!SERVERS.includes(num) || !SERVERS.includes(den)) throw new Error(`--pairs ${spec}: both servers must be in --servers`);
    return DEFAULT_PAIRS.find((p) => p.num === num && p.den === den) ?? { num, den, label: `${num}/${den}` };
  });
})();

/** Servers that must echo a request ID: a response without one means the set-up is broken. */
const ECHOES_ID = new Set(['rid', 'register', 'manual', 'manual-b', 'manual-lower', 'rid-trace-id', 'rid-from-id', 'rid-trace-response']);
const echoesId = (variant: string): boolean => ECHOES_ID.has(variant.split('@')[0]);

const deadline = Date.now() + MAX_SECONDS * 1000;
function remainingMs(): number {
  const left = deadline - Date.now();
  if (left <= 0) throw new Error(`benchmark exceeded --max-seconds ${MAX_SECONDS}`);
  return left;
}

// --incoming-uuid: a UUID, which traceIdFromRequestId turns into the trace ID (its costly case).
const requestHeaders = INCOMING_ID ? { 'X-Request-Id': INCOMING_UUID ? '3f2504e0-4f89-41d3-9a0c-0305e82c3301' : 'bench-4f1c2a9e7b3d4c8e' } : undefined;

/** One client per server process, its connections kept open for the whole benchmark. */
const clients = new Map<ServerProcess, KeepAliveClient>();

async function load(server: ServerProcess, requests: number, keepFirstHead = false) {
  let client = clients.get(server);
  if (client === undefined) clients.set(server, (client = new KeepAliveClient(server.port, CONCURRENCY, requestHeaders)));
  const result = await client.run({ requests, timeoutMs: Math.min(remainingMs(), 120_000), keepFirstHead });
  if (result.non2xx > 0) throw new Error(`${server.variant}: ${result.non2xx} non-2xx responses`);
  if (keepFirstHead && echoesId(server.variant) && !/\r\nx-request-id: \S+/i.test(result.firstHead ?? '')) {
    throw new Error(`${server.variant}: the response carries no X-Request-Id:\n${result.firstHead}`);
  }
  return result;
}

let pinnedCpus = 'not pinned';

async function main(): Promise<void> {
  const started = Date.now();
  const env = benchEnv();
  console.error(`http bench: starting ${SERVERS.length} servers (${SERVERS.join(', ')})`);
  const servers: ServerProcess[] = [];
  try {
    // Start them all at once (start-up is mostly module loading); stop the ones that did start if one fails.
    const variants = SERVERS.flatMap((variant) => Array.from({ length: REPLICAS }, () => variant));
    servers.push(...(await startAll(variants.map((variant) => startServer(variant, { env })))));

    // The load generator on CPU 0, every server on the last CPU (only one is loaded at a time).
    if (PIN) pinnedCpus = pinServers(servers.map((s) => s.pid));

    // Warm-up: JIT, connection set-up, the batch processor's first exports.
    for (const s of servers) await load(s, WARMUP, true);

    if (PROFILE !== '') {
      await profile(servers);
      return;
    }

    // A round gives each server REQUESTS requests, split evenly over its copies; its CPU per request
    // in the round is the sum over its copies.
    const share = Math.ceil(REQUESTS / REPLICAS);
    const cpu = new Map<string, number[]>(SERVERS.map((s) => [s, []]));
    const rps = new Map<string, number[]>(SERVERS.map((s) => [s, []]));
    const lat = new Map<string, Float64Array[]>(SERVERS.map((s) => [s, []]));
    for (let r = 0; r < ROUNDS; r++) {
      const used = new Map<string, { micros: number; wallMs: number }>(SERVERS.map((v) => [v, { micros: 0, wallMs: 0 }]));
      for (let k = 0; k < servers.length; k++) {
        const s = servers[(k + r) % servers.length];
        const before = await s.cpuMicros();
        const result = await load(s, share, r === 0);
        const after = await s.cpuMicros();
        const u = used.get(s.variant)!;
        u.micros += after - before;
        u.wallMs += result.wallMs;
        lat.get(s.variant)!.push(result.latenciesUs);
      }
      for (const [variant, u] of used) {
        cpu.get(variant)!.push(u.micros / (share * REPLICAS));
        rps.get(variant)!.push((share * REPLICAS) / (u.wallMs / 1000));
      }
      if (!SMOKE && (r + 1) % 10 === 0) console.error(`  round ${r + 1}/${ROUNDS}`);
    }

    const serverSummaries: ServerSummary[] = [];
    for (const variant of SERVERS) {
      let exported = 0;
      for (const s of servers) if (s.variant === variant) exported += (await s.call<{ exported: number }>('stats')).exported;
      serverSummaries.push(serverSummary(variant, LABELS[variant], cpu.get(variant)!, rps.get(variant)!, lat.get(variant)!, exported));
    }
    const pairSummaries: PairSummary[] = PAIRS.map((p) => ratioSummary(p, cpu.get(p.num)!, cpu.get(p.den)!));

    const meta = {
      date: new Date().toISOString(),
      node: process.version,
      smoke: SMOKE,
      rounds: ROUNDS,
      requestsPerRound: share * REPLICAS,
      processesPerServer: REPLICAS,
      warmup: WARMUP,
      concurrency: CONCURRENCY,
      incomingId: INCOMING_ID,
      pinning: pinnedCpus,
      loadAverage: loadavg().map((x) => round(x, 2)),
      seconds: round((Date.now() - started) / 1000, 1),
    };
    console.log(formatTable(meta, serverSummaries, pairSummaries));
    mkdirSync(join(OUT, '..'), { recursive: true });
    writeFileSync(
      OUT,
      JSON.stringify(
        {
          ...meta,
          method:
            'server CPU per request from each server process.cpuUsage() (user+system) over its share of each round; ' +
            'ratios are per round, then median and quartiles over rounds',
          servers: serverSummaries,
          ratios: pairSummaries,
          perRound: Object.fromEntries([...cpu.entries()].map(([k, v]) => [k, v.map((x) => round(x, 3))])),
        },
        null,
        2,
      ) + '\n',
    );
    console.error(`wrote ${OUT}`);
  } finally {
    for (const client of clients.values()) client.close();
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/** CPU profiles of the loaded phase of each server named in --profile, one server at a time. */
async function profile(servers: ServerProcess[]): Promise<void> {
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  for (const variant of PROFILE.split(',')) {
    const s = servers.find((x) => x.variant === variant);
    if (s === undefined) throw new Error(`--profile ${variant}: not among --servers`);
    const path = join(dir, `http-${variant}.cpuprofile`);
    const before = await s.cpuMicros();
    await s.call('profile-start');
    await load(s, PROFILE_REQUESTS);
    await s.call('profile-stop', { path }, 60_000);
    const after = await s.cpuMicros();
    console.log(`${variant}: ${((after - before) / PROFILE_REQUESTS).toFixed(2)} us CPU/request while profiled (profiler overhead included)`);
    console.log(formatProfileSummary(`${LABELS[variant]}, ${PROFILE_REQUESTS} requests (${path})`, summarizeProfile(path, 40), PROFILE_REQUESTS));
    console.log();
  }
}

export function formatTable(
  meta: {
    node: string;
    rounds: number;
    requestsPerRound: number;
    processesPerServer: number;
    concurrency: number;
    smoke: boolean;
    incomingId: boolean;
    seconds: number;
    pinning: string;
    loadAverage: number[];
  },
  servers: ServerSummary[],
  pairs: PairSummary[],
): string {
  const lines: string[] = [];
  lines.push(
    `HTTP: node ${meta.node}, ${meta.rounds} interleaved rounds x ${meta.requestsPerRound} requests per server, ` +
      `${meta.processesPerServer} process(es) per server, ${meta.concurrency} keep-alive connections, ${meta.incomingId ? 'requests carry X-Request-Id' : 'no incoming X-Request-Id'}` +
      `${meta.smoke ? ' (--smoke: numbers are not meaningful)' : ''}, ${meta.seconds} s`,
  );
  lines.push(`CPU pinning: ${meta.pinning}; load average at the end ${meta.loadAverage.join(' ')}`);
  lines.push(`${'server'.padEnd(44)} ${'CPU us/req [q1 .. q3]'.padStart(24)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'spans'.padStart(8)}`);
  lines.push('-'.repeat(98));
  for (const s of servers) {
    const c = s.cpuUsPerRequest;
    lines.push(
      `${s.label.padEnd(44)} ${`${c.median.toFixed(1)} [${c.q1.toFixed(1)} .. ${c.q3.toFixed(1)}]`.padStart(24)} ` +
        `${s.reqPerSec.median.toFixed(0).padStart(8)} ${s.p50LatencyMs.toFixed(2).padStart(7)} ${s.p99LatencyMs.toFixed(2).padStart(7)} ${String(s.spansExported).padStart(8)}`,
    );
  }
  lines.push('-'.repeat(98));
  lines.push(`${'CPU ratio, per round'.padEnd(52)} ${'median'.padStart(7)} ${'q1'.padStart(6)} ${'q3'.padStart(6)} ${'95% CI of median'.padStart(17)} ${'target'.padStart(7)}  verdict`);
  for (const p of pairs) {
    const verdict = p.target === undefined ? '' : p.pass ? 'PASS' : 'MISS';
    lines.push(
      `${p.label.padEnd(52)} ${p.ratio.median.toFixed(3).padStart(7)} ${p.ratio.q1.toFixed(3).padStart(6)} ${p.ratio.q3.toFixed(3).padStart(6)} ` +
        `${`${p.medianCI95.low.toFixed(3)}..${p.medianCI95.high.toFixed(3)}`.padStart(17)} ` +
        `${(p.target === undefined ? '' : `<= ${p.target.toFixed(2)}`).padStart(7)}  ${verdict}`,
    );
  }
  return lines.join('\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
