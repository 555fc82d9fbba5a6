/**
 * The one module that touches `node:http`'s private parts. Each is probed once, at load, and
 * falls back to the public API when the probe fails (test/internals/node-http.test.ts fails loudly
 * when it does on a supported Node line):
 * - `kOutHeaders`, the response's header store: written directly by setResponseHeader;
 * - `res._header`, set once the head is written;
 * - `socket._httpMessage`, the response Node is writing on a connection now;
 * - `Agent.prototype.addRequest`, patched by plain assignment for the outgoing-request hooks;
 * - `ServerResponse.prototype.writeHead`, patched by plain assignment once a response asks for a
 *   header appended when its head is written (appendAtHead).
 */
import { Agent, IncomingMessage, ServerResponse, type ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { Guard } from '../diag';
import { HookRegistry } from '../hook-registry';
import { APPEND_AT_HEAD } from '../cross-copy-keys';

/**
 * `res.setHeader(name, value)` without its hidden cost. Node stores the header under
 * `name.toLowerCase()`, a fresh string on every call for a mixed-case name, and a keyed store with
 * a fresh string key on its null-prototype header object goes through V8's slow runtime path:
 * about 1.5 us per call on Node 20, more than the rest of this package's per-request work
 * (bench/README.md). We write the same entry under the lower-case key computed once.
 *
 * Node keeps the headers under an internal symbol (`kOutHeaders`). It is found and checked against
 * setHeader/getHeader once, at load; if anything differs (another Node version), every call is
 * plain setHeader.
 */
type HeaderStore = Record<string, [string, string]>;
type WithStore = ServerResponse & Record<symbol, HeaderStore | null | undefined> & { _header?: unknown; getRawHeaderNames(): string[] };

const OUT_HEADERS = findHeaderStore();
// What Node's setHeader refuses in a value (checkInvalidHeaderChar); the store is written unchecked.
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** Sets `name: value` on a response whose head is not written yet; `key` is `name.toLowerCase()`. */
export function setResponseHeader(response: ServerResponse, name: string, key: string, value: string): void {
  const res = response as WithStore;
  const headers = OUT_HEADERS === undefined || res._header != null || INVALID_VALUE.test(value) ? undefined : storeOf(res, OUT_HEADERS);
  if (headers === undefined) response.setHeader(name, value);
  else headers[key] = [name, value];
}

/** The response's header store, created as setHeader would; undefined when it has none (not a response we probed). */
function storeOf(res: WithStore, symbol: symbol): HeaderStore | undefined {
  const headers = res[symbol];
  return headers === null ? (res[symbol] = Object.create(null) as HeaderStore) : headers;
}

function findHeaderStore(): symbol | undefined {
  try {
    const probe = new ServerResponse(new IncomingMessage(null as never)) as WithStore;
    const symbol = Object.getOwnPropertySymbols(probe).find((s) => s.description === 'kOutHeaders');
    if (symbol === undefined || probe[symbol] !== null) return undefined;
    // Our write must read back through Node's API, and setHeader must use the same store.
    const store = Object.create(null) as HeaderStore;
    probe[symbol] = store;
    store['x-probe'] = ['X-Probe', 'one'];
    probe.setHeader('X-Other', 'two');
    const ok =
      probe.getHeader('x-probe') === 'one' &&
      probe.getHeaderNames().join() === 'x-probe,x-other' &&
      probe.getRawHeaderNames().join() === 'X-Probe,X-Other' &&
      store['x-other']?.[1] === 'two';
    return ok ? symbol : undefined;
  } catch {
    return undefined;
  }
}

/** For tests: whether the fast path is in use on this Node. */
export const usesHeaderStore = OUT_HEADERS !== undefined;

/**
 * The response Node is writing on `socket` now, when it is not `response`: `response` is a
 * pipelined one, queued behind it. `_httpMessage` is undefined on a Node without it, which reads
 * as "not queued" (the public API has no such notion).
 */
export function isQueuedBehindAnother(socket: Socket | undefined, response: ServerResponse): boolean {
  const writing = (socket as (Socket & { _httpMessage?: unknown }) | undefined)?._httpMessage;
  return writing != null && writing !== response;
}

/** What `Agent.prototype.addRequest` receives besides the request. */
export interface AgentRequestOptions {
  host?: string;
  hostname?: string;
  port?: number | string;
  protocol?: string;
  /** The headers object the request was made with (HttpInstrumentation's copy, with what the propagator injected). */
  headers?: unknown;
}

/**
 * Runs for every outgoing `http`/`https` request made through an Agent (that is every one made by
 * `request`, `get`, axios, got and the AWS SDK), synchronously while the ClientRequest is being
 * built: headers can still be set, and HttpInstrumentation's CLIENT span is the active span.
 */
export type OutgoingRequestHook = (request: ClientRequest, options: AgentRequestOptions) => void;

// In this module: each copy of the package patches on its own (a later copy's patch wraps an earlier one's).
const registry = new HookRegistry<{ addRequest: readonly OutgoingRequestHook[] }>({ addRequest: [] });
const guard = new Guard();
const HOOK_FAILED = 'an outgoing request hook failed; the request goes on unchanged';
type AddRequest = (this: Agent, request: ClientRequest, options: AgentRequestOptions) => void;
let original: AddRequest | undefined;
let patched: AddRequest | undefined;

/**
 * `Agent.prototype.addRequest` is patched by plain assignment: HttpInstrumentation never touches
 * it, and nothing here goes through shimmer, whose `_wrap` would unwrap another patch first.
 */
export function addOutgoingRequestHook(hook: OutgoingRequestHook): void {
  registry.add('addRequest', hook);
  if (patched !== undefined) return;
  const proto = Agent.prototype as unknown as { addRequest: AddRequest };
  const previous = proto.addRequest;
  original = previous;
  const lists = registry.lists;
  patched = function addRequest(this: Agent, request: ClientRequest, options: AgentRequestOptions) {
    // Two arguments, no closure: this runs for every outgoing request.
    const hooks = lists.addRequest;
    for (let i = 0; i < hooks.length; i++) guard.call('addRequest', HOOK_FAILED, undefined, hooks[i], request, options);
    // eslint-disable-next-line prefer-rest-params
    return previous.apply(this, arguments as unknown as [ClientRequest, AgentRequestOptions]);
  };
  proto.addRequest = patched;
}

export function removeOutgoingRequestHook(hook: OutgoingRequestHook): void {
  if (registry.remove('addRequest', hook) > 0 || patched === undefined) return;
  const proto = Agent.prototype as unknown as { addRequest: AddRequest };
  // Only undo our patch while it is on top; with someone else's wrapper above, an empty hook
  // list already makes ours a pass-through.
  if (proto.addRequest === patched) {
    proto.addRequest = original!;
    patched = undefined;
    original = undefined;
  }
}

// The values to append when the head is written (a cross-copy key: with two copies of this
// package, the outer writeHead patch consumes it and the inner one sees none).
const AT_HEAD = APPEND_AT_HEAD;
type WithAtHead = ServerResponse & { [AT_HEAD]?: [string, string] };
type WriteHead = (this: ServerResponse, ...args: unknown[]) => ServerResponse;
let writeHeadPatched = false;

/**
 * Appends `name: value` to the response when its head is written: after a value the app set with
 * setHeader or in writeHead's headers, not instead of it (a list header, as Server-Timing is:
 * RFC 9110 §5.3). Every head goes through writeHead: `res.end()` alone calls it through
 * `_implicitHeader`.
 */
export function appendAtHead(response: ServerResponse, name: string, value: string): void {
  (response as WithAtHead)[AT_HEAD] = [name, value];
  if (writeHeadPatched) return;
  writeHeadPatched = true;
  const proto = ServerResponse.prototype as unknown as { writeHead: WriteHead };
  const previous = proto.writeHead;
  proto.writeHead = function writeHead(this: WithAtHead) {
    // eslint-disable-next-line prefer-rest-params
    const args = arguments as unknown as unknown[];
    const entry = this[AT_HEAD];
    if (entry === undefined) return previous.apply(this, args);
    this[AT_HEAD] = undefined;
    let appended: unknown[] = args;
    try {
      appended = withAppended(this, entry[0], entry[1], Array.prototype.slice.call(args));
    } catch {
      // A response we cannot add to is sent as the app made it.
    }
    return previous.apply(this, appended);
  } as WriteHead;
}

/** writeHead's arguments (a copy) with `name: value` appended: in a copy of its headers argument when that names it, else on the response. */
function withAppended(response: ServerResponse, name: string, value: string, args: unknown[]): unknown[] {
  const at = typeof args[1] === 'string' ? 2 : 1;
  const headers = args[at];
  const key = name.toLowerCase();
  if (Array.isArray(headers)) {
    // The raw form, [name, value, …]. Node 20 sets its pairs one by one when the response has
    // headers already (the last of a name wins): our value joins the app's last one, ", "-separated.
    let last = -1;
    for (let i = 0; i < headers.length; i += 2) if (typeof headers[i] === 'string' && (headers[i] as string).toLowerCase() === key) last = i;
    if (last === -1) return appendOnResponse(response, name, key, value, args);
    const copy = headers.slice();
    copy[last + 1] = `${String(copy[last + 1])}, ${value}`;
    args[at] = copy;
    return args;
  }
  if (headers !== null && typeof headers === 'object') {
    const own = Object.keys(headers).find((h) => h.toLowerCase() === key);
    if (own === undefined) return appendOnResponse(response, name, key, value, args);
    const theirs = (headers as Record<string, unknown>)[own];
    args[at] = { ...headers, [own]: [...(Array.isArray(theirs) ? theirs : [theirs]), value] };
    return args;
  }
  return appendOnResponse(response, name, key, value, args);
}

function appendOnResponse(response: ServerResponse, name: string, key: string, value: string, args: unknown[]): unknown[] {
  const theirs = response.getHeader(key);
  response.setHeader(name, theirs === undefined ? value : [...(Array.isArray(theirs) ? theirs : [String(theirs)]), value]);
  return args;
}
