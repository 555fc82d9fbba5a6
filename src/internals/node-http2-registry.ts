/**
 * What the `node:http2` patches share (internals/node-http2.ts for the sessions, node-http2-stream.ts
 * for the server streams): the hook types, and one registry of hook lists and patch state per
 * process, in a cross-copy slot.
 */
import type * as http2 from 'node:http2';
import { HTTP2_HOOKS, sharedSlot } from '../cross-copy-keys';
import { Guard } from '../diag';
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
export type Emit = (this: unknown, ...args: unknown[]) => boolean;

export const guard = new Guard();
export const HOOK_FAILED = 'an HTTP/2 hook failed; the stream goes on unchanged';

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
export const shared = new HookRegistry<Registry>(sharedSlot(HTTP2_HOOKS, () => ({
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
export const registry = shared.lists;
