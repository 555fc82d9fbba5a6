/**
 * The one module that touches `node:http2` beyond its public API. No OpenTelemetry instrumentation
 * patches `node:http2`, and its diagnostics channels (Node 22+) fire too late to add headers: a
 * client stream's headers are submitted before `http2.client.stream.created`, and a server's
 * response headers before `http2.server.stream.finish`. So each method that needs it is patched
 * once, on its prototype, by plain assignment, and every patch runs a hook list (no closure per
 * stream). The prototypes are not exported by Node; each is probed once:
 * - `ClientHttp2Session.prototype.request`: from a session on an in-memory duplex, destroyed at once;
 * - `Http2Session.prototype.emit` (the base of `ServerHttp2Session`), for a server's `'stream'`: the
 *   client session's prototype's own prototype. Its `'stream'` emit starts each stream (the start hooks)
 *   and runs the handler in the stream's context. One path on every Node line: Node 20 and
 *   22.0–22.16 have no `http2.server.stream.start` channel, and where it exists it buys nothing more;
 * - `ServerHttp2Stream.prototype.respond`, `respondWithFD`, `respondWithFile` and `emit`: from the
 *   first server stream seen, in that `'stream'` emit, before any handler runs;
 * - a client session's `kAuthority` and `kProtocol`, where the request goes (fallback: its socket).
 * When a probe fails, that part is off and says so once through diag (test/internals/node-http2.test.ts
 * fails loudly when it does on a supported Node line).
 */
import * as http2 from 'node:http2';
import { Duplex } from 'node:stream';
import { logger } from '../diag';
import { guard, HOOK_FAILED, registry, shared, type ClientRequestHook, type ClientStreamHook, type Emit, type Headers, type StreamStartHook } from './node-http2-registry';

export type { Headers, RespondHeaders, StreamCloseHook, StreamEmitHook, StreamStartHook } from './node-http2-registry';

type RequestFn = (this: http2.ClientHttp2Session, headers?: Headers, options?: unknown) => http2.ClientHttp2Stream;

/** Adds hooks around every `ClientHttp2Session#request`; false when the prototype probe failed. */
export function addClientHooks(request: ClientRequestHook, stream: ClientStreamHook): boolean {
  if (!patchClient()) return false;
  shared.add('request', request);
  shared.add('stream', stream);
  return true;
}

export function removeClientHooks(request: ClientRequestHook, stream: ClientStreamHook): void {
  shared.remove('request', request);
  shared.remove('stream', stream);
}

function patchClient(): boolean {
  if (registry.clientPatched) return true;
  const proto = clientSessionPrototype();
  if (proto === undefined || typeof proto.request !== 'function') {
    logger.warn('HTTP/2 clients: ClientHttp2Session.prototype.request was not found on this Node; HTTP/2 calls get no request ID and no span');
    return false;
  }
  const previous = proto.request as RequestFn;
  proto.request = function request(this: http2.ClientHttp2Session, headers?: Headers, options?: unknown): http2.ClientHttp2Stream {
    let sent = headers;
    // An array is Node's raw-headers form: left as it is.
    if (!Array.isArray(headers)) {
      for (const hook of registry.request) sent = guard.call('h2:request', HOOK_FAILED, undefined, hook, this, sent) ?? sent;
    }
    let stream: http2.ClientHttp2Stream | undefined;
    try {
      stream = arguments.length > 1 ? previous.call(this, sent, options) : previous.call(this, sent);
      return stream;
    } finally {
      for (const hook of registry.stream) guard.call('h2:stream', HOOK_FAILED, undefined, hook, stream, this);
    }
  } as typeof proto.request;
  registry.clientPatched = true;
  return true;
}

/** The prototype of client sessions, from one made on an in-memory duplex (no socket, no I/O) and destroyed at once; probed once. */
let clientProto: { request: unknown } | null | undefined;
function clientSessionPrototype(): { request: unknown } | undefined {
  if (clientProto === undefined) clientProto = probeClientSessionPrototype() ?? null;
  return clientProto ?? undefined;
}

function probeClientSessionPrototype(): { request: unknown } | undefined {
  try {
    const duplex = inMemoryDuplex();
    const session = http2.connect('http://probe.invalid', { createConnection: () => duplex });
    session.on('error', () => {});
    const proto = Object.getPrototypeOf(session) as { request: unknown };
    session.destroy();
    duplex.destroy();
    return proto;
  } catch {
    return undefined;
  }
}

/** A duplex that takes every write and never reads: a session on it does no I/O. */
function inMemoryDuplex(): Duplex {
  return new Duplex({ read() {}, write: (_chunk, _encoding, done) => done() });
}

/** Where a client session's requests go: `kAuthority` (`host:port`) and `kProtocol` (`http:`/`https:`). */
export interface SessionTarget {
  authority: string | undefined;
  protocol: string | undefined;
}

let authoritySymbol: symbol | null | undefined;
let protocolSymbol: symbol | null | undefined;

export function targetOf(session: http2.ClientHttp2Session): SessionTarget {
  const s = session as unknown as Record<symbol, unknown>;
  if (authoritySymbol === undefined) {
    const symbols = Object.getOwnPropertySymbols(session);
    authoritySymbol = symbols.find((k) => k.description === 'authority') ?? null;
    protocolSymbol = symbols.find((k) => k.description === 'protocol') ?? null;
  }
  const authority = authoritySymbol == null ? undefined : s[authoritySymbol];
  const protocol = protocolSymbol == null ? undefined : s[protocolSymbol];
  return {
    authority: typeof authority === 'string' ? authority : fallbackAuthority(session),
    protocol: typeof protocol === 'string' ? protocol : session.encrypted === true ? 'https:' : 'http:',
  };
}

function fallbackAuthority(session: http2.ClientHttp2Session): string | undefined {
  const socket = session.socket as { remoteAddress?: string; remotePort?: number; servername?: string } | undefined;
  const host = socket?.servername || socket?.remoteAddress;
  return host === undefined ? undefined : `${host}:${socket?.remotePort ?? ''}`;
}

/** For tests: whether the client session fields were found on this Node. */
export function sessionFieldsFound(session: http2.ClientHttp2Session): boolean {
  targetOf(session);
  return typeof authoritySymbol === 'symbol' && typeof protocolSymbol === 'symbol';
}

/**
 * Adds a hook that starts each server stream, and patches `ServerHttp2Session.prototype.emit` (probed
 * once) to run it; false when the probe failed.
 */
export function addStreamStartHook(hook: StreamStartHook): boolean {
  if (!patchServerSession()) return false;
  shared.add('start', hook);
  return true;
}

export function removeStreamStartHook(hook: StreamStartHook): void {
  shared.remove('start', hook);
}

// `session.type` of a server session (http2.constants.NGHTTP2_SESSION_SERVER).
const SESSION_SERVER = 0;

/**
 * Patches `Http2Session.prototype.emit`, the base of server and client sessions, reached from the
 * client probe (making a server session to probe cost 5 ms more at start-up, Node 20): only a server
 * session's `'stream'` goes through the hooks (a client's is a push), told apart by the public `type`.
 */
function patchServerSession(): boolean {
  if (registry.serverSessionPatched) return true;
  const client = clientSessionPrototype();
  const proto = client === undefined ? undefined : (Object.getPrototypeOf(client) as { emit?: unknown } | null);
  if (proto == null || typeof proto.emit !== 'function' || Object.prototype.hasOwnProperty.call(client, 'emit')) {
    logger.warn('HTTP/2 servers: Http2Session.prototype.emit was not found on this Node; HTTP/2 requests get no request ID and no span');
    return false;
  }
  registry.serverSessionPatched = true;
  const previous = proto.emit as Emit;
  proto.emit = function emit(this: http2.Http2Session, event: unknown) {
    // `arguments` only ever straight into apply: V8 then forwards them without building an
    // arguments object, on every event of every session, client or server.
    // eslint-disable-next-line prefer-rest-params
    if (event !== 'stream' || this.type !== SESSION_SERVER) return previous.apply(this, arguments as unknown as unknown[]);
    // eslint-disable-next-line prefer-rest-params
    return start.apply(this, arguments as unknown as unknown[]);
  };
  const start: Emit = function start(this: unknown): boolean {
    // eslint-disable-next-line prefer-rest-params
    return startStream(this as http2.Http2Session, previous, arguments);
  };
  return true;
}

/** A server session's `'stream'` emit: `(stream, headers, flags, rawHeaders)`; the start hooks, then the handler in the stream's context. */
function startStream(session: http2.Http2Session, emit: Emit, args: IArguments): boolean {
  const stream = args[1] as http2.ServerHttp2Stream;
  const start = registry.start;
  for (let i = 0; i < start.length; i++) guard.call3('h2:start', HOOK_FAILED, undefined, start[i], stream, args[2] as http2.IncomingHttpHeaders, args[4]);
  const hook = registry.emit[0];
  if (hook === undefined) return emit.apply(session, args as unknown as unknown[]);
  return hook(stream, emit, session, args);
}

/** For tests: which patches were made (the server ones once a stream was seen). */
export function patches(): { client: boolean; respondMethods: number; session: boolean } {
  return { client: registry.clientPatched, respondMethods: registry.respondMethods, session: registry.serverSessionPatched };
}

/**
 * Whether another instrumentation makes HTTP/2 spans, so that ours would double them: not any wrap
 * of `node:http2` (a shimmer wrap that sets defaults or logs changes nothing per stream), only one
 * that reaches the streams. A span-making wrap of `connect` must wrap its sessions' `request`, and
 * one of `createServer`/`createSecureServer` must listen to or wrap its servers' events. So when
 * one of the three exports is a shimmer wrap (`__wrapped`), what it returns is probed once: a
 * session on an in-memory duplex (no socket, no I/O, destroyed at once) and a server that never
 * listens. The answer is kept until one of the three exports changes again (a wrap, an unwrap): per
 * stream this costs three reads and compares.
 */
export function otherHttp2Instrumentation(): boolean {
  const { connect, createServer, createSecureServer } = http2Module;
  const seen = probed;
  if (seen !== undefined && seen.connect === connect && seen.createServer === createServer && seen.createSecureServer === createSecureServer) return seen.spans;
  const spans =
    (isWrapped(connect) && guard.call('h2:probe', PROBE_FAILED, false, wrapsSessions, connect, undefined)) ||
    (isWrapped(createServer) && guard.call('h2:probe', PROBE_FAILED, false, wrapsServers, createServer, undefined)) ||
    (isWrapped(createSecureServer) && guard.call('h2:probe', PROBE_FAILED, false, wrapsServers, createSecureServer, undefined));
  probed = { connect, createServer, createSecureServer, spans };
  return spans;
}

const PROBE_FAILED = 'could not probe a wrap of node:http2; taking it for one that makes no HTTP/2 spans';

/** The exports last probed and what the probe found. */
let probed: { connect: unknown; createServer: unknown; createSecureServer: unknown; spans: boolean } | undefined;

/** Whether a session from `connect` has its `request` wrapped (on the session, or over our prototype patch). */
function wrapsSessions(connect: typeof http2.connect): boolean {
  const duplex = inMemoryDuplex();
  const session = connect('http://probe.invalid', { createConnection: () => duplex });
  try {
    session.on('error', () => {});
    return isWrapped(session.request);
  } finally {
    session.destroy();
    duplex.destroy();
  }
}

/** Whether a server from `create` comes with stream listeners or a wrapped `emit` (a plain server has neither). */
function wrapsServers(create: typeof http2.createServer | typeof http2.createSecureServer): boolean {
  const server = (create as () => http2.Http2Server)();
  return isWrapped(server.emit) || server.listenerCount('stream') > 0 || server.listenerCount('request') > 0 || server.listenerCount('session') > 0;
}

// The module object itself: the `import * as` namespace reads each export through a getter, and
// this check runs per stream; shimmer's `_wrap` replaces the export on the module object.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const http2Module = require('node:http2') as typeof http2;

function isWrapped(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as { __wrapped?: unknown }).__wrapped === true;
}
