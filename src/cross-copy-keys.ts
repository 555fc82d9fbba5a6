/**
 * Every `Symbol.for` key of this package, in one place: a contract between two copies of the
 * package loaded in one process (two versions in node_modules) and between two instances. Each key
 * names one value shape; when that shape changes, the key's version changes (`….v2` → `….v3`), so
 * an older copy never reads a shape it does not know (it then keeps its own slot, and the two
 * copies no longer share that one thing). Keys without a version suffix are version 1: their
 * strings are already in released copies, and renaming one would make an older copy and a newer
 * one stop sharing it (two IDs on one request), so they keep their strings until their shape changes.
 */

/** One slot on globalThis per process, made by whichever copy or instance asks first. */
export function sharedSlot<T>(key: symbol, make: () => T): T {
  const g = globalThis as unknown as Record<symbol, T | undefined>;
  return (g[key] ??= make());
}

// On globalThis (sharedSlot).
/** The AsyncLocalStorage of request states (context/request-state.ts). */
export const REQUEST_ID_STORAGE = Symbol.for('@rid/otel.request-id-storage');
/** The HTTP/2 patches and their hook lists (internals/node-http2.ts). */
export const HTTP2_HOOKS = Symbol.for('@rid/otel.http2-hooks.v3');
/** The outgoing HTTP/2 call being made, and the response hooks (outgoing/http2-client-span.ts). */
export const HTTP2_CLIENT_CALLS = Symbol.for('@rid/otel.http2-client-calls.v1');
/** The `propagateTo` policy sources, a Set (outgoing/policies.ts). */
export const PROPAGATE_TO_POLICIES = Symbol.for('@rid/otel.propagate-to-policies');
/** The trace ID a request's decision chose for its SERVER span, `{ id, owner }` (incoming/trace-handle.ts). */
export const NEXT_TRACE_ID = Symbol.for('@rid/otel.next-trace-id.v1');

// On objects of one request or call.
/** A request's state: on the IncomingMessage and on HttpInstrumentation's RPC metadata (context/request-state.ts). */
export const REQUEST_STATE = Symbol.for('@rid/otel.request-state');
/** The server already has our SERVER-span listener (incoming/http-server.ts). */
export const SPAN_LISTENER = Symbol.for('@rid/otel.span-listener');
/** The one exchange of a server HTTP/2 stream (incoming/http2-server.ts). */
export const H2_EXCHANGE = Symbol.for('@rid/otel.h2-exchange');
/** The outgoing HTTP/2 call of a client stream (outgoing/http2-client-span.ts). */
export const H2_CALL = Symbol.for('@rid/otel.h2-call');
/** The server's decision, on the incoming headers object extract reads (propagator.ts). */
export const DECISION = Symbol.for('@rid/otel.decision');
/** What RequestIdPropagator injected into a headers object (propagator.ts). */
export const INJECTED = Symbol.for('@rid/otel.injected');
/** The response's `traceResponse` mode, read by the SERVER-span listener (incoming/http-server.ts). */
export const TRACE_RESPONSE = Symbol.for('@rid/otel.trace-response.v1');
/** A header to append when the response's head is written, `[name, value]` (internals/node-http.ts). */
export const APPEND_AT_HEAD = Symbol.for('@rid/otel.append-at-head.v1');
/** An incoming request's budget of call events (capture/spans.ts). */
export const VENDOR_CALLS = Symbol.for('@rid/otel.vendor-calls');

// What the response capture keeps on an outgoing request (capture/claim.ts). They say `aws` for
// every vendor: their strings are the contract, see above.
export const CAPTURE_CONTEXT = Symbol.for('@rid/otel.aws-context');
export const CAPTURE_STATE = Symbol.for('@rid/otel.aws-state');
export const CAPTURE_START = Symbol.for('@rid/otel.aws-start');
export const CAPTURE_OPERATION = Symbol.for('@rid/otel.aws-operation');
export const CAPTURE_OWN = Symbol.for('@rid/otel.aws-own');
export const CAPTURE_TABLE = Symbol.for('@rid/otel.vendor-table');
