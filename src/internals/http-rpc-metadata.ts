/**
 * The one module that writes on HttpInstrumentation's per-request RPC metadata. HttpInstrumentation
 * puts one mutable object per incoming request in the request's context (`setRPCMetadata` of
 * `@opentelemetry/core`, whose key is the same in every copy of core); found through the public
 * `getRPCMetadata`. We hang the request's state on it under a cross-copy key (REQUEST_STATE): the
 * state then travels wherever the OTel context does, without a second AsyncLocalStorage, whose
 * propagation Node 20 pays on every async resource of every request (bench/README.md). Writing on
 * that object is the private part. It is probed once, at load: the metadata set in a context must
 * read back as the same object and take our key. When the probe fails, nothing is written there and
 * every request's state goes to our own store (context/request-state.ts), the public fallback;
 * test/internals/http-rpc-metadata.test.ts fails loudly when it does.
 */
import { ROOT_CONTEXT, type Context, type Span } from '@opentelemetry/api';
import { getRPCMetadata, RPCType, setRPCMetadata } from '@opentelemetry/core';
import { REQUEST_STATE } from '../cross-copy-keys';

// Module-local copies: these run per request, and a local read is cheaper than another module's export.
const KEY: typeof REQUEST_STATE = REQUEST_STATE;
type Metadata = object & { span?: Span; [KEY]?: object };

/** HttpInstrumentation's per-request object in `ctx`, if any (mutable: it is one object per request). */
export function rpcMetadataOf(ctx: Context): (object & { span?: Span }) | undefined {
  const rpc = getRPCMetadata(ctx) as unknown;
  return typeof rpc === 'object' && rpc !== null ? (rpc as object & { span?: Span }) : undefined;
}

/** Whether the request state rides on the RPC metadata on this core (else our own store carries it). */
const enabled = probe();
export const usesRpcMetadata: boolean = enabled;

function probe(): boolean {
  try {
    const metadata: Metadata = { type: RPCType.HTTP } as Metadata;
    const found = rpcMetadataOf(setRPCMetadata(ROOT_CONTEXT, metadata as never)) as Metadata | undefined;
    if (found !== metadata || !Object.isExtensible(found)) return false;
    const state = {};
    found[KEY] = state;
    return metadata[KEY] === state;
  } catch {
    return false;
  }
}

/** The state hung on `ctx`'s RPC metadata, by this copy of the package or another. */
export function stateOnRpcMetadata<S extends object>(ctx: Context): S | undefined {
  if (!enabled) return undefined;
  // getRPCMetadata itself, not rpcMetadataOf: one call less per read (this runs per getRequestId()).
  const rpc = getRPCMetadata(ctx) as Metadata | undefined;
  return (typeof rpc === 'object' && rpc !== null ? rpc[KEY] : undefined) as S | undefined;
}

/**
 * Hangs `state` on `ctx`'s RPC metadata when that metadata is fresh for the request whose span is
 * `span`, unless another copy or instance hung one first. True when `state` is the one there.
 */
export function hangOnRpcMetadata(ctx: Context, span: Span | undefined, state: object): boolean {
  if (!enabled || span === undefined) return false;
  const rpc = getRPCMetadata(ctx) as Metadata | undefined;
  if (typeof rpc !== 'object' || rpc === null || rpc.span !== span) return false;
  rpc[KEY] ??= state;
  return rpc[KEY] === state;
}
