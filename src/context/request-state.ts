import { AsyncLocalStorage } from 'node:async_hooks';
import { context, createContextKey, type Context, type Span } from '@opentelemetry/api';
import { REQUEST_ID_STORAGE, REQUEST_STATE, sharedSlot } from '../cross-copy-keys';
import { hangOnRpcMetadata, stateOnRpcMetadata } from '../internals/http-rpc-metadata';

/** What a request carries through its async work. One object per request, shared by every rule. */
export interface RequestIdState {
  /** The request's primary ID: the global rule's, or the first rule that applied. */
  id: string;
  /** True for an incoming HTTP request's state (the server hook's), false for extracted or runWithRequestId ones. */
  readonly incoming: boolean;
  /** Every ID of the request by lower-case header name (two when a route rule adds a header). */
  readonly byHeader: Record<string, string>;
  /** The span attributes to stamp on the SERVER span. */
  readonly attributes: Record<string, string>;
  /** HttpInstrumentation's SERVER span for this request, once it exists. */
  serverSpan?: Span;
  /** The OTel context the request's handler runs in, once its 'request' listeners run. */
  context?: Context;
}

/**
 * One store per process, even when two copies of this package are loaded (two versions in
 * node_modules): both must agree on the current request, or getRequestId() would depend on
 * which copy the caller imported.
 */
export const requestIdStorage: AsyncLocalStorage<RequestIdState> = sharedSlot(REQUEST_ID_STORAGE, () => new AsyncLocalStorage());

/**
 * Where the ID lives in an OTel Context: put there by RequestIdPropagator.extract (queue
 * consumers, gRPC servers) and by runWithRequestId, read by RequestIdPropagator.inject.
 */
export const REQUEST_ID_CONTEXT_KEY = createContextKey('@rid/otel request id');

/**
 * The request's state, under a cross-copy key: on the IncomingMessage (incoming/http-server.ts)
 * and on HttpInstrumentation's per-request RPC metadata (internals/http-rpc-metadata.ts), where it
 * travels wherever the OTel context does, with no second AsyncLocalStorage.
 */
export { REQUEST_STATE };
export type WithState = { [REQUEST_STATE]?: RequestIdState };

/**
 * The request state that `ctx` carries, else the one of the current async work. A context can
 * also say "no request" explicitly (NO_REQUEST_STATE) and stop the search there.
 */
export function stateOf(ctx: Context): RequestIdState | undefined {
  const own = carriedBy(ctx);
  if (own !== undefined) return own ?? undefined;
  const active = context.active();
  return active === ctx ? requestIdStorage.getStore() : currentStateIn(active);
}

/** The state of the current async work: the active OTel context first, then our own store. */
export function currentState(): RequestIdState | undefined {
  return currentStateIn(context.active());
}

function currentStateIn(active: Context): RequestIdState | undefined {
  const own = carriedBy(active);
  return own === undefined ? requestIdStorage.getStore() : (own ?? undefined);
}

/** Set under REQUEST_ID_CONTEXT_KEY: this context belongs to no request, whatever is active. */
export const NO_REQUEST_STATE = null;

function carriedBy(ctx: Context): RequestIdState | null | undefined {
  const value = ctx.getValue(REQUEST_ID_CONTEXT_KEY) as RequestIdState | null | undefined;
  return value !== undefined ? value : stateOnRpcMetadata<RequestIdState>(ctx);
}

/**
 * Makes `state` the current request's for the rest of `ctx`: on HttpInstrumentation's per-request
 * RPC metadata when `ctx` has fresh metadata whose span is `span`, else (no HttpInstrumentation,
 * an ignored or suppressed request) in our own store.
 */
export function enterRequestState(ctx: Context, span: Span | undefined, state: RequestIdState): void {
  if (ctx.getValue(REQUEST_ID_CONTEXT_KEY) === state) return;
  if (hangOnRpcMetadata(ctx, span, state)) return;
  requestIdStorage.enterWith(state);
}

/**
 * The current request's ID, anywhere in that request's async work (after `await`, in timers,
 * promise chains and bound callbacks); `undefined` outside a request. With a header name, the ID
 * that travels in that header (for per-route rules that add a second header).
 */
export function getRequestId(headerName?: string): string | undefined {
  const state = currentState();
  if (state === undefined) return undefined;
  return headerName === undefined ? state.id : state.byHeader[headerName.toLowerCase()];
}

/** The request's attributes on its SERVER span (a loop of setAttribute: setAttributes allocates an entries array). */
export function stampServerSpan(span: Span, state: RequestIdState): void {
  const attributes = state.attributes;
  for (const key in attributes) span.setAttribute(key, attributes[key]);
  state.serverSpan = span;
}

/** A state for an ID that did not come from an incoming HTTP request. */
export function standaloneState(id: string): RequestIdState {
  return { id, incoming: false, byHeader: {}, attributes: {} };
}

/**
 * Runs `fn` with `state` current: in the OTel context, which stateOf() reads first, and only
 * without a registered context manager in our own store (so it stays disabled, see REQUEST_STATE).
 */
export function runWithState<T>(state: RequestIdState, fn: () => T): T {
  const ctx = context.active().setValue(REQUEST_ID_CONTEXT_KEY, state);
  return context.with(ctx, () => (context.active() === ctx ? fn() : requestIdStorage.run(state, fn)));
}
