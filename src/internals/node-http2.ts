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
import { HTTP2_HOOKS, sharedSlot } from '../cross-copy-keys';
import { Guard, logger } from '../diag';
import { HookRegistry } from '../hook-registry';

export type Headers = http2.OutgoingHttpHeaders;

/** Runs inside `session.request(headers, options)`: returns the headers to send instead (a copy), or `undefined` to leave them. */
export type ClientRequestHook = (session: http2.ClientHttp2Session, headers: Headers | undefined) => Headers | undefined;
/** Runs after `session.request()` returned the stream, or threw (`stream` is `undefined` then). */
export type ClientStreamHook = (stream: http2.ClientHttp2Stream | undefined, session: http2.ClientHttp2Session) => void;
/** A respond call's headers: an object, Node's raw `[name, value, …]` list (Node 22.20+, 24), or none. */
export type RespondHeaders = Headers | unknown[] | undefined;
/** Runs inside `respond*()` of a server stream: returns the headers to send instead (a copy), or `undefined`. */
export type RespondHook = (stream: http2.ServerHttp2Stream, headers: RespondHeaders) => RespondHeaders;
/**
 * Wraps an emit that concerns a server stream (its session's `'stream'` event, and each event of
 * the stream itself): must run `emit.apply(self, args)` exactly once and return its result.
 * Passed apart, not as a closure, since it runs for every event.
 */
export type StreamEmitHook = (stream: http2.ServerHttp2Stream, emit: Emit, self: unknown, args: IArguments) => boolean;
/** Runs on a server session's `'stream'`, before any handler: Node's raw `[name, value, …]` list alone shows a repeated header. */
export type StreamStartHook = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, rawHeaders: unknown) => void;
/** Runs when a server stream emits `'close'`, before its listeners: no listener added per stream. */
export type StreamCloseHook = (stream: http2.ServerHttp2Stream) => void;
type Emit = (this: unknown, ...args: unknown[]) => boolean;

const guard = new Guard();
const HOOK_FAILED = 'an HTTP/2 hook failed; the stream goes on unchanged';

// One patch per process, shared by every copy of this package: the hook lists (hook-registry.ts)
// and the patch state live in one cross-copy slot (HTTP2_HOOKS, versioned: a later copy that
// changes this shape takes a new key). Arrays, replaced on each change: iterating one per stream
// allocates nothing, unlike a Set's iterator.
interface Registry {
  start: readonly StreamStartHook[];
  request: readonly ClientRequestHook[];
  stream: readonly ClientStreamHook[];
  respond: readonly RespondHook[];
  /** Only the first runs: each reads the stream's own context, so any one does. */
  emit: readonly StreamEmitHook[];
  close: readonly StreamCloseHook[];
  clientPatched: boolean;
  serverStreamPatched: boolean;
  serverSessionPatched: boolean;
  /** How many of respond, respondWithFD and respondWithFile were found and patched. */
  respondMethods: number;
  /** How many listeners each event of a server stream has before any handler runs (Node's and ours). */
  baseListeners: Record<string, number>;
  baseListenersRecorded: boolean;
}
const shared = new HookRegistry<Registry>(sharedSlot(HTTP2_HOOKS, () => ({
  start: [],
  request: [],
  stream: [],
  respond: [],
  emit: [],
  close: [],
  clientPatched: false,
  serverStreamPatched: false,
  serverSessionPatched: false,
  respondMethods: 0,
  baseListeners: {},
  baseListenersRecorded: false,
})));
const registry = shared.lists;

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

type Respond = (this: http2.ServerHttp2Stream, ...args: unknown[]) => void;

export function addRespondHook(hook: RespondHook): void {
  shared.add('respond', hook);
}

export function removeRespondHook(hook: RespondHook): void {
  shared.remove('respond', hook);
}

/** Adds a stream emit hook. Only the first one runs: each reads the stream's own context, so any one does. */
export function addStreamEmitHook(hook: StreamEmitHook): void {
  shared.add('emit', hook);
}

export function removeStreamEmitHook(hook: StreamEmitHook): void {
  shared.remove('emit', hook);
}

/** Adds a hook run on each server stream's `'close'` (once per function, however often added). */
export function addStreamCloseHook(hook: StreamCloseHook): void {
  if (!registry.close.includes(hook)) shared.add('close', hook);
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
    // `arguments` straight into apply: V8 then forwards them without building an arguments
    // object, on every event of every session, client or server.
    // eslint-disable-next-line prefer-rest-params
    if (event !== 'stream' || this.type !== SESSION_SERVER) return previous.apply(this, arguments as unknown as unknown[]);
    // eslint-disable-next-line prefer-rest-params
    return startStream(this, previous, arguments);
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

/**
 * Patches the server stream's `respond`, `respondWithFD`, `respondWithFile` and `emit` from the
 * first stream seen: called from the session's `'stream'` emit, before any handler, so the first
 * stream gets them too.
 */
export function patchServerStream(stream: http2.ServerHttp2Stream): void {
  if (registry.serverStreamPatched) return;
  registry.serverStreamPatched = true;
  const proto = Object.getPrototypeOf(stream) as Record<string, unknown>;
  let found = 0;
  // The headers are the first argument of respond, the second of respondWithFD/respondWithFile.
  for (const [name, at] of [['respond', 0], ['respondWithFD', 1], ['respondWithFile', 1]] as const) {
    const previous = proto[name];
    if (typeof previous !== 'function') continue;
    found++;
    proto[name] = patchedRespond(previous as Respond, at);
  }
  registry.respondMethods = found;
  // The stream's own events (data, end, close…) come from the session's native callbacks: they
  // run in the stream's context too, so listeners the handler adds see its request.
  if (typeof proto.emit === 'function') {
    const previous = proto.emit as Emit;
    proto.emit = function emit(this: http2.ServerHttp2Stream, event: string | symbol) {
      if (event === 'close') {
        const close = registry.close;
        for (let i = 0; i < close.length; i++) guard.call('h2:close', HOOK_FAILED, undefined, close[i], this, undefined);
      }
      // An event nobody listens to needs no context (most of a stream's are internal).
      // Only an event someone added a listener for needs the context: Node's own listeners, there
      // on every stream from the start, do not (entering the context for them was a fifth of the
      // per-stream cost in bench:h2).
      const hook = registry.emit[0];
      // eslint-disable-next-line prefer-rest-params
      if (hook === undefined || this.listenerCount(event) <= (registry.baseListeners[event as string] ?? 0)) return previous.apply(this, arguments as unknown as unknown[]);
      // eslint-disable-next-line prefer-rest-params
      return hook(this, previous, this, arguments);
    };
  }
  if (found !== 3) logger.warn(`HTTP/2 servers: ${3 - found} of ServerHttp2Stream's respond methods were not found on this Node; their responses carry no echo`);
}

function patchedRespond(previous: Respond, at: 0 | 1): Respond {
  if (at === 0) return patchedRespondHeadersFirst(previous);
  // respondWithFD(fd, headers, options), respondWithFile(path, headers, options).
  return function respond(this: http2.ServerHttp2Stream): void {
    // eslint-disable-next-line prefer-rest-params
    const args = arguments as unknown as unknown[];
    const hooks = registry.respond;
    if (hooks.length > 0) {
      const headers = respondHeaders(this, args[at] as RespondHeaders, hooks);
      if (args.length <= at) return previous.apply(this, [args[0], headers]);
      args[at] = headers;
    }
    return previous.apply(this, args);
  };
}

/** `respond(headers, options)`, every stream's: the arguments passed on as they are, no arguments object built. */
function patchedRespondHeadersFirst(previous: Respond): Respond {
  return function respond(this: http2.ServerHttp2Stream, headers?: unknown, options?: unknown): void {
    const hooks = registry.respond;
    // eslint-disable-next-line prefer-rest-params
    if (hooks.length === 0) return previous.apply(this, arguments as unknown as unknown[]);
    const sent = respondHeaders(this, headers as RespondHeaders, hooks);
    if (arguments.length <= 1) return previous.call(this, sent);
    if (arguments.length === 2) return previous.call(this, sent, options);
    // eslint-disable-next-line prefer-rest-params
    const args = Array.prototype.slice.call(arguments) as unknown[];
    args[0] = sent;
    return previous.apply(this, args);
  };
}

function respondHeaders(stream: http2.ServerHttp2Stream, headers: RespondHeaders, hooks: readonly RespondHook[]): RespondHeaders {
  for (let i = 0; i < hooks.length; i++) headers = guard.call('h2:respond', HOOK_FAILED, undefined, hooks[i], stream, headers) ?? headers;
  return headers;
}

/**
 * Takes the listeners `stream` has now, before its handler runs, as the ones every server stream
 * has: their events run without the stream's context. Called once, on the first stream.
 */
export function recordBaseListeners(stream: http2.ServerHttp2Stream): void {
  if (registry.baseListenersRecorded) return;
  const base: Record<string, number> = {};
  for (const event of stream.eventNames()) if (typeof event === 'string') base[event] = stream.listenerCount(event);
  registry.baseListeners = base;
  registry.baseListenersRecorded = true;
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
