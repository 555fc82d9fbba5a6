import { performance } from 'node:perf_hooks';
import type { Context, Span } from '@opentelemetry/api';
import type { RequestIdState } from '../context/request-state';
import {
  CAPTURE_CONTEXT as CONTEXT,
  CAPTURE_OPERATION as OPERATION,
  CAPTURE_OWN as OWN,
  CAPTURE_START as START,
  CAPTURE_STATE as CALLER_STATE,
  CAPTURE_TABLE as TABLE,
} from '../cross-copy-keys';
import type { HostTable } from '../vendors/host-table';

// What is kept on an outgoing request (ClientRequest or undici's request) until its response, as
// properties under cross-copy keys: references to objects that exist anyway, so a call without IDs
// allocates nothing. Two instances or two copies of this package share them, so the first to see a
// request claims it and each response is recorded once.
// CONTEXT: the context active when the request was made (HttpInstrumentation's CLIENT span, or
// the caller's). CALLER_STATE: the incoming request being served, when there is one. START: epoch
// ms at the request, only where no CLIENT span exists, for the span we may have to make.
// OPERATION: the vendor SDK's operation span, once found under HttpInstrumentation. OWN: our own
// span, for a response with IDs only, until the body ends. TABLE: the destination host's vendor
// table (vendors/host-table.ts), matched once, at the request.
export { CONTEXT, CALLER_STATE, START, OPERATION, OWN, TABLE };

/** An outgoing request with what the capture keeps on it. */
export interface Claimed {
  [CONTEXT]?: Context;
  [CALLER_STATE]?: RequestIdState;
  [START]?: number;
  [OPERATION]?: Span;
  [OWN]?: Span;
  [TABLE]?: HostTable;
}

export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
