/**
 * The server stream's `respond`, `respondWithFD`, `respondWithFile` and `emit`, patched on
 * `ServerHttp2Stream.prototype` from the first stream seen (Node does not export it): the echo in
 * each respond, the close hooks at `'close'`, and the request's context for the events the app
 * listens to (internals/node-http2.ts says why these are patched at all).
 */
import type * as http2 from 'node:http2';
import { logger } from '../diag';
import { guard, HOOK_FAILED, registry, shared, type Emit, type RespondHeaders, type RespondHook, type StreamCloseHook, type StreamEmitHook } from './node-http2-registry';

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
    proto[name] = at === 0 ? patchedRespondHeadersFirst(previous as Respond) : patchedRespond(previous as Respond, at);
  }
  registry.respondMethods = found;
  // The stream's own events (data, end, close…) come from the session's native callbacks: they
  // run in the stream's context too, so listeners the handler adds see its request.
  if (typeof proto.emit === 'function') {
    const previous = proto.emit as Emit;
    nodeEndListener = maybeDestroyOf(proto);
    if (nodeEndListener === undefined) logger.warn("HTTP/2 servers: Http2Stream's kMaybeDestroy was not found on this Node; each stream's 'end' enters its context");
    proto.emit = function emit(this: http2.ServerHttp2Stream, event: string | symbol) {
      if (event === 'close') {
        const close = registry.close;
        for (let i = 0; i < close.length; i++) guard.call('h2:close', HOOK_FAILED, undefined, close[i], this, undefined);
      }
      // An event nobody listens to needs no context (most of a stream's are internal), and neither
      // do Node's own listeners (entering the context for them was a fifth of the per-stream cost
      // in bench:h2): only an event the app added a listener for does.
      // `arguments` only ever forwarded by apply, here and in inContext: V8 then builds no arguments
      // object. Handed to the hook here, it was built for every event, nine per stream (Node 24:
      // 20 ns a call instead of 12 in a loop where one event in nine enters the context).
      // eslint-disable-next-line prefer-rest-params
      if (registry.emit.length === 0 || !appListens(this, event)) return previous.apply(this, arguments as unknown as unknown[]);
      // eslint-disable-next-line prefer-rest-params
      return inContext.apply(this, arguments as unknown as unknown[]);
    };
    // Called by emit just after it saw a hook, synchronously: there is one.
    const inContext: Emit = function inContext(this: unknown): boolean {
      // eslint-disable-next-line prefer-rest-params
      return registry.emit[0]!(this as http2.ServerHttp2Stream, previous, this, arguments);
    };
  }
  if (found !== 3) logger.warn(`HTTP/2 servers: ${3 - found} of ServerHttp2Stream's respond methods were not found on this Node; their responses carry no echo`);
}

/** respondWithFD(fd, headers, options), respondWithFile(path, headers, options); respond() with extra arguments. */
function patchedRespond(previous: Respond, at: 0 | 1): Respond {
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

/**
 * `respond(headers, options)`, every stream's: `arguments` only forwarded by apply, so that V8 builds
 * no arguments object (a call with more arguments than Node reads goes through `respondWithExtra`).
 */
function patchedRespondHeadersFirst(previous: Respond): Respond {
  const respondWithExtra = patchedRespond(previous, 0);
  return function respond(this: http2.ServerHttp2Stream, headers?: unknown, options?: unknown): void {
    const hooks = registry.respond;
    // eslint-disable-next-line prefer-rest-params
    if (hooks.length === 0) return previous.apply(this, arguments as unknown as unknown[]);
    // eslint-disable-next-line prefer-rest-params
    if (arguments.length > 2) return respondWithExtra.apply(this, arguments as unknown as unknown[]);
    const sent = respondHeaders(this, headers as RespondHeaders, hooks);
    return arguments.length <= 1 ? previous.call(this, sent) : previous.call(this, sent, options);
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

/**
 * Node's own `'end'` listener, `Http2Stream.prototype[kMaybeDestroy]`: Node adds it to every
 * stream still readable at close (Node 20-26), after the base listeners were taken, so a count
 * alone would take it for the app's and enter the request's context for every stream's `'end'`.
 */
let nodeEndListener: unknown;

function maybeDestroyOf(proto: object): unknown {
  for (let p: object | null = proto; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    for (const key of Object.getOwnPropertySymbols(p)) {
      if (key.description === 'kMaybeDestroy') return (p as Record<symbol, unknown>)[key];
    }
  }
  return undefined;
}

/** Whether `event` has a listener beyond those every stream has (Node's, ours): one the app added. */
function appListens(stream: http2.ServerHttp2Stream, event: string | symbol): boolean {
  const count = stream.listenerCount(event);
  // Most of a stream's events have no listener at all: no lookup of the base for them.
  if (count === 0) return false;
  const base = registry.baseListeners[event as string] ?? 0;
  // Before the base is taken (the first stream's start, our own listener), no app code has run.
  if (count <= base || !registry.baseListenersRecorded) return false;
  if (count > base + 1 || event !== 'end' || nodeEndListener === undefined) return true;
  // One more 'end' listener than the base: Node's kMaybeDestroy (added at close), or the app's.
  const listeners = (stream as unknown as { _events?: Record<string, unknown> })._events?.end;
  const last = Array.isArray(listeners) ? (listeners[listeners.length - 1] as unknown) : listeners;
  return last !== nodeEndListener && (last as { listener?: unknown } | undefined)?.listener !== nodeEndListener;
}

/** For tests: whether Node's own 'end' listener was found. */
export function nodeEndListenerFound(): boolean {
  return typeof nodeEndListener === 'function';
}
