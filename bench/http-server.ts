/**
 * One benchmark server, run as its own child process by bench/http.ts and bench/memory.ts, as
 * plain JavaScript that bench/lib/child.ts transpiles (with src/) into bench/results/js/:
 *
 *   node bench/results/js-<pid>/bench/http-server.js <variant>
 *
 * It listens on 127.0.0.1 (port chosen by the OS) and answers every request with a fixed body.
 * The parent talks to it over the IPC channel only (never over HTTP, so the control traffic is
 * not instrumented): `cpu` returns this process's own `process.cpuUsage()`, `gc` flushes the span
 * processors and runs `global.gc()` (with --expose-gc) then returns the heap, `profile-start` /
 * `profile-stop` record a V8 CPU profile of the loaded phase only.
 *
 * Variants (the numbers are the ones bench/README.md uses):
 *   plain      (0) node:http, no OTel
 *   sdk        (1) NodeSDK + HttpInstrumentation, BatchSpanProcessor -> discarding exporter
 *   rid        (2) (1) + RequestIdInstrumentation (defaults)
 *   register   (3) what @rid/otel/register builds (src/register/start.ts): HttpInstrumentation,
 *                  UndiciInstrumentation, RequestIdInstrumentation (propagation, AWS capture),
 *                  RequestIdSpanProcessor, propagators tracecontext+baggage+request-id; the
 *                  discarding exporter instead of OTLP
 *   manual     (4) (1) + the hand-written minimum in the handler: the X-Request-Id header or
 *                  crypto.randomUUID(), res.setHeader, span.setAttribute
 *   manual-b   (4') a second copy of (4), for the A/A noise floor
 *   manual-lower     (4) with the header name written in lower case ('x-request-id')
 *
 * Analysis variants (what one element of the design costs on top of (1); see bench/README.md):
 *   sdk-header      (1) + a bare res.setHeader of a constant in the handler
 *   sdk-header-lower  (1) + the same with a lower-case name ('x-request-id')
 *   sdk-header-store  (1) + the same header through src/internals/node-http (what the instrumentation does)
 *   sdk-writehead   (1) + the same header set at writeHead time (res.writeHead wrapped per request)
 *   sdk-channel     (1) + an empty subscriber on `http.server.request.start`
 *   sdk-als         (1) + that subscriber entering a second AsyncLocalStorage for the request
 *   sdk-otelctx     (1) + the request's state put in the OTel context instead, by a propagator's extract
 *   sdk-prepend     (1) + a no-op 'request' listener prepended on the server
 *   rid-trace-id, rid-from-id, rid-trace-response: (2) with algorithm 'trace_id', traceIdFromRequestId,
 *                   traceResponse 'both' (and RequestIdTraceIdGenerator in the SDK): what each option costs
 *
 * HTTP/2 variants (h2c, `http2.createServer` and its core `'stream'` API; bench/h2-server.ts runs
 * them under Node 22+, the lines with HTTP/2 diagnostics channels):
 *   h2-bare     no OTel: every stream gets `respond({ ':status': 200 })` and the body
 *   h2-minimum  (1)'s SDK + the hand-written minimum for HTTP/2, per stream: read x-request-id
 *               or crypto.randomUUID(), extract the incoming trace context, start a SERVER
 *               span with the request's method/path and `request.id`, make it active
 *               (context.with) while the handler runs, respond() with the header, end the span
 *               when the stream closes
 *   h2-minimum-span  h2-minimum whose span has the attributes h2-rid's has too (url.scheme,
 *               server.address, server.port, client.address): the same span, by hand
 *   h2-rid      (2): (1)'s SDK + RequestIdInstrumentation around h2-bare's handler, with no
 *               hand-written span or header: the instrumentation makes them
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const variant = process.argv[2] ?? 'plain';
// `rid@pre` runs variant `rid` against a snapshot of src/ (A/B of a source change within one run:
// `cp -r src $BENCH_SNAPSHOT_DIR/pre-src` before editing; bench/lib/child.ts transpiles it next to
// this file's JavaScript, under ../snapshots/).
const [kind, snapshot] = variant.split('@');
const SRC = snapshot === undefined ? '../src' : `../snapshots/${snapshot}-src`;
const BODY = 'hello world\n';
const CONSTANT_ID = '0b6f7d52-4ad5-4c0e-9a55-3c1c4f6d2a39';
// A module of src/ (or of a snapshot of it) by its path now, then by its path before the folders of
// issue 13, so that an A/B against an older snapshot still runs.
function fromSrc<T>(...paths: string[]): T {
  for (const path of paths) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(`${SRC}/${path}`) as T;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    }
  }
  throw new Error(`bench: none of ${paths.join(', ')} under ${SRC}`);
}
let otelPropagator: import('@opentelemetry/api').TextMapPropagator | undefined;
let prependNoop = false;
/** For the HTTP/2 variants: the core API's 'stream' handler (the server is then http2.createServer). */
let streamHandler: ((stream: import('node:http2').ServerHttp2Stream, headers: import('node:http2').IncomingHttpHeaders) => void) | undefined;

interface Flushable {
  forceFlush(): Promise<void>;
}
let exporter: { exported: number } | undefined;
let flushable: Flushable | undefined;

/* eslint-disable @typescript-eslint/no-require-imports */
function startSdk(withRequestIdLayer: 'none' | 'instrumentation' | 'register', ridConfig?: object): void {
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { DiscardingExporter, batchProcessor } = require('./lib/otel') as typeof import('./lib/otel');
  const discard = new DiscardingExporter();
  const bsp = batchProcessor(discard);
  exporter = discard;
  flushable = bsp;
  let sdk: InstanceType<typeof NodeSDK>;
  if (withRequestIdLayer === 'register') {
    // src/register/start.ts without the OTLP exporter: the same instrumentations in the same order, the
    // same RequestIdSpanProcessor and propagators (OTEL_PROPAGATORS default + request-id), and
    // the instrumentation config read from RID_* variables exactly as register does.
    const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
    const { withRequestId } = fromSrc<typeof import('../src/with-request-id')>('with-request-id');
    const { configFromEnv } = fromSrc<typeof import('../src/register/env-config')>('register/env-config', 'env-config');
    sdk = new NodeSDK(
      withRequestId(
        { instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation()], spanProcessors: [bsp as never] },
        configFromEnv(process.env),
      ),
    );
  } else {
    const instrumentations: unknown[] = [new HttpInstrumentation()];
    if (withRequestIdLayer === 'instrumentation') {
      const { RequestIdInstrumentation } = require(SRC) as typeof import('../src');
      instrumentations.push(new RequestIdInstrumentation(ridConfig));
    }
    // The trace-handle variants need the generator withRequestId() and register install; they pay for it.
    const idGenerator =
      ridConfig === undefined ? undefined : new (fromSrc<typeof import('../src/trace-id-generator')>('trace-id-generator').RequestIdTraceIdGenerator)();
    sdk = new NodeSDK({ instrumentations: instrumentations as never, spanProcessors: [bsp as never], textMapPropagator: otelPropagator, idGenerator });
  }
  sdk.start();
}

let handler: RequestListener;
const plainHandler: RequestListener = (_req, res) => {
  res.end(BODY);
};

switch (kind) {
  case 'plain':
    handler = plainHandler;
    break;
  case 'sdk':
    startSdk('none');
    handler = plainHandler;
    break;
  case 'rid':
    startSdk('instrumentation');
    handler = plainHandler;
    break;
  case 'rid-trace-id':
    startSdk('instrumentation', { algorithm: 'trace_id' });
    handler = plainHandler;
    break;
  case 'rid-from-id':
    startSdk('instrumentation', { traceIdFromRequestId: true });
    handler = plainHandler;
    break;
  case 'rid-trace-response':
    startSdk('instrumentation', { traceResponse: 'both' });
    handler = plainHandler;
    break;
  case 'register':
    startSdk('register');
    handler = plainHandler;
    break;
  case 'manual':
  case 'manual-b':
  case 'manual-lower': {
    startSdk('none');
    const { trace } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
    // manual-lower: the header name in lower case, which skips V8's slow path in setHeader (bench/README.md).
    const name = kind === 'manual-lower' ? 'x-request-id' : 'X-Request-Id';
    // What a user writes by hand: no validation, no async context, no propagation.
    handler = (req: IncomingMessage, res: ServerResponse) => {
      const id = (req.headers['x-request-id'] as string | undefined) || randomUUID();
      res.setHeader(name, id);
      trace.getActiveSpan()?.setAttribute('request.id', id);
      res.end(BODY);
    };
    break;
  }
  case 'sdk-header':
  case 'sdk-header-lower': {
    startSdk('none');
    const name = kind === 'sdk-header-lower' ? 'x-request-id' : 'X-Request-Id';
    handler = (_req, res) => {
      res.setHeader(name, CONSTANT_ID);
      res.end(BODY);
    };
    break;
  }
  case 'sdk-header-store': {
    startSdk('none');
    const { setResponseHeader } = fromSrc<typeof import('../src/internals/node-http')>('internals/node-http', 'response-header');
    handler = (_req, res) => {
      setResponseHeader(res, 'X-Request-Id', 'x-request-id', CONSTANT_ID);
      res.end(BODY);
    };
    break;
  }
  case 'sdk-writehead':
    startSdk('none');
    handler = (_req, res) => {
      const writeHead = res.writeHead;
      res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
        if (!this.hasHeader('x-request-id')) this.setHeader('X-Request-Id', CONSTANT_ID);
        return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
      } as ServerResponse['writeHead'];
      res.end(BODY);
    };
    break;
  case 'sdk-channel':
    startSdk('none');
    require('node:diagnostics_channel').subscribe('http.server.request.start', () => {});
    handler = plainHandler;
    break;
  case 'sdk-als': {
    startSdk('none');
    const { AsyncLocalStorage } = require('node:async_hooks') as typeof import('node:async_hooks');
    const storage = new AsyncLocalStorage<{ id: string }>();
    require('node:diagnostics_channel').subscribe('http.server.request.start', () => storage.enterWith({ id: CONSTANT_ID }));
    handler = plainHandler;
    break;
  }
  case 'sdk-otelctx': {
    // The alternative to a second AsyncLocalStorage: the state rides in the OTel context that
    // HttpInstrumentation builds from propagation.extract (what RequestIdPropagator does).
    const api = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
    const core = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
    const KEY = api.createContextKey('bench state');
    const statePropagator: import('@opentelemetry/api').TextMapPropagator = {
      inject() {},
      extract: (ctx) => ctx.setValue(KEY, { id: CONSTANT_ID }),
      fields: () => [],
    };
    otelPropagator = new core.CompositePropagator({
      propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator(), statePropagator],
    });
    startSdk('none');
    handler = plainHandler;
    break;
  }
  case 'sdk-prepend':
    startSdk('none');
    prependNoop = true;
    handler = plainHandler;
    break;
  case 'h2-bare':
  case 'h2-rid':
    if (kind === 'h2-rid') startSdk('instrumentation');
    handler = plainHandler;
    streamHandler = (stream) => {
      stream.respond({ ':status': 200 });
      stream.end(BODY);
    };
    break;
  case 'h2-minimum':
  case 'h2-minimum-span': {
    startSdk('none');
    const api = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
    const tracer = api.trace.getTracer('bench-h2-minimum');
    handler = plainHandler;
    // h2-minimum-span: the same span attributes as h2-rid's SERVER span (the HTTP semconv ones a
    // sampler may use), the peer read from the session as the layer does.
    const sameSpan = kind === 'h2-minimum-span';
    // What a user writes by hand for HTTP/2 (nobody makes a span for node:http2): no validation,
    // no propagation downstream, no getRequestId().
    streamHandler = (stream, headers) => {
      const id = (headers['x-request-id'] as string | undefined) || randomUUID();
      const parent = api.propagation.extract(api.ROOT_CONTEXT, headers);
      const method = headers[':method'] as string;
      const attributes: import('@opentelemetry/api').Attributes = { 'http.request.method': method, 'url.path': headers[':path'] as string, 'network.protocol.version': '2' };
      if (sameSpan) {
        const [host, port] = String(headers[':authority']).split(':');
        attributes['url.scheme'] = headers[':scheme'] as string;
        attributes['server.address'] = host;
        attributes['server.port'] = Number(port);
        attributes['client.address'] = stream.session?.socket.remoteAddress;
      }
      const span = tracer.startSpan(method, { kind: api.SpanKind.SERVER, attributes }, parent);
      span.setAttribute('request.id', id);
      stream.once('close', () => span.end());
      api.context.with(api.trace.setSpan(parent, span), () => {
        stream.respond({ ':status': 200, 'x-request-id': id });
        span.setAttribute('http.response.status_code', 200);
        stream.end(BODY);
      });
    };
    break;
  }
  default:
    throw new Error(`unknown server variant ${JSON.stringify(variant)}`);
}

// After the SDK: HttpInstrumentation patches node:http when it is required.
const http = require('node:http') as typeof import('node:http');
const http2 = require('node:http2') as typeof import('node:http2');
/* eslint-enable @typescript-eslint/no-require-imports */

/** What `exit` and the port report need of either kind of server. */
interface BenchServer {
  listen(port: number, host: string, cb: () => void): unknown;
  address(): AddressInfo | string | null;
  close(): unknown;
}
let server: BenchServer;
let closeConnections: () => void;
if (streamHandler === undefined) {
  const h1: Server = http.createServer({ keepAliveTimeout: 60_000 }, handler);
  if (prependNoop) h1.prependListener('request', () => {});
  server = h1;
  closeConnections = () => h1.closeAllConnections();
} else {
  const h2 = http2.createServer({ settings: { maxConcurrentStreams: 1000 } });
  const sessions = new Set<import('node:http2').ServerHttp2Session>();
  h2.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => {});
  });
  h2.on('stream', streamHandler);
  server = h2;
  closeConnections = () => {
    for (const session of sessions) session.destroy();
  };
}
let profiler: import('node:inspector').Session | undefined;

type Command = { id: number; cmd: 'cpu' | 'stats' | 'gc' | 'profile-start' | 'profile-stop' | 'exit'; path?: string };

function reply(id: number, body: Record<string, unknown>): void {
  process.send!({ id, ...body });
}

function post<T>(session: import('node:inspector').Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))),
  );
}

async function handle(message: Command): Promise<void> {
  switch (message.cmd) {
    case 'cpu': {
      const { user, system } = process.cpuUsage();
      const { voluntaryContextSwitches, involuntaryContextSwitches } = process.resourceUsage();
      reply(message.id, { user, system, voluntary: voluntaryContextSwitches, involuntary: involuntaryContextSwitches });
      return;
    }
    case 'stats':
      reply(message.id, { exported: exporter?.exported ?? 0, memory: process.memoryUsage(), node: process.version });
      return;
    case 'gc': {
      // Spans still waiting in the batch processor are live memory; flush them so every reading
      // starts from the same state, then collect twice (the second catches what finalizers freed).
      await flushable?.forceFlush();
      const gc = (globalThis as { gc?: () => void }).gc;
      if (gc === undefined) throw new Error('run the server with --expose-gc');
      gc();
      await new Promise((r) => setImmediate(r));
      gc();
      reply(message.id, { memory: process.memoryUsage(), exported: exporter?.exported ?? 0 });
      return;
    }
    case 'profile-start': {
      const { Session } = await import('node:inspector');
      profiler = new Session();
      profiler.connect();
      await post(profiler, 'Profiler.enable');
      await post(profiler, 'Profiler.setSamplingInterval', { interval: 100 });
      await post(profiler, 'Profiler.start');
      reply(message.id, {});
      return;
    }
    case 'profile-stop': {
      const { profile } = await post<{ profile: unknown }>(profiler!, 'Profiler.stop');
      profiler!.disconnect();
      profiler = undefined;
      const { writeFileSync } = await import('node:fs');
      writeFileSync(message.path!, JSON.stringify(profile));
      reply(message.id, { path: message.path });
      return;
    }
    case 'exit':
      closeConnections();
      server.close();
      await flushable?.forceFlush();
      reply(message.id, {});
      process.disconnect();
      setTimeout(() => process.exit(0), 100).unref();
      return;
  }
}

process.on('message', (message: Command) => {
  handle(message).catch((err: unknown) => reply(message.id, { error: String((err as Error)?.stack ?? err) }));
});
// Never outlive the benchmark.
process.on('disconnect', () => setTimeout(() => process.exit(0), 200).unref());

server.listen(0, '127.0.0.1', () => {
  process.send!({ ready: true, port: (server.address() as AddressInfo).port, pid: process.pid, variant });
});
