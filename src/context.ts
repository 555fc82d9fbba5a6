import { AsyncLocalStorage } from 'node:async_hooks';
import { context, createContextKey, type Context, type Span } from '@opentelemetry/api';

/** What a request carries through its async work. One object per request, shared by every rule. */
export interface RequestIdState {
  /** The request's primary ID: the global rule's, or the first rule that applied. */
  id: string;
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
const STORAGE_KEY = Symbol.for('@rid/otel.request-id-storage');
type GlobalWithStorage = typeof globalThis & { [STORAGE_KEY]?: AsyncLocalStorage<RequestIdState> };
const g = globalThis as GlobalWithStorage;

export const requestIdStorage: AsyncLocalStorage<RequestIdState> = (g[STORAGE_KEY] ??= new AsyncLocalStorage());

/**
 * Where the ID lives in an OTel Context: put there by RequestIdPropagator.extract (queue
 * consumers, gRPC servers) and by runWithRequestId, read by RequestIdPropagator.inject.
 */
export const REQUEST_ID_CONTEXT_KEY = createContextKey('@rid/otel request id');

/** The request state that `ctx` carries, else the one of the current async work. */
export function stateOf(ctx: Context): RequestIdState | undefined {
  return (ctx.getValue(REQUEST_ID_CONTEXT_KEY) as RequestIdState | undefined) ?? requestIdStorage.getStore();
}

/** The state of the current async work: our store first, then the active OTel context. */
export function currentState(): RequestIdState | undefined {
  return requestIdStorage.getStore() ?? (context.active().getValue(REQUEST_ID_CONTEXT_KEY) as RequestIdState | undefined);
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

/** A state for an ID that did not come from an incoming HTTP request. */
export function standaloneState(id: string): RequestIdState {
  return { id, byHeader: {}, attributes: {} };
}

/** Runs `fn` with `state` current for both our store and the OTel context. */
export function runWithState<T>(state: RequestIdState, fn: () => T): T {
  return requestIdStorage.run(state, () => context.with(context.active().setValue(REQUEST_ID_CONTEXT_KEY, state), fn));
}
