import { performance } from 'node:perf_hooks';
import type { Context, Span } from '@opentelemetry/api';
import type { RequestIdState } from '../context/request-state';
import type { HostTable } from '../vendors/host-table';

// What is kept on an outgoing request (ClientRequest or undici's request) until its response, as
// Symbol.for properties: references to objects that exist anyway, so a call without IDs allocates
// nothing. Symbol.for: two instances or two copies of this package share them, so the first to
// see a request claims it and each response is recorded once.
// The strings say `aws`, from when only AWS was captured: other copies read them, so they stay.
/** The context active when the request was made: HttpInstrumentation's CLIENT span, or the caller's. */
export const CONTEXT = Symbol.for('@rid/otel.aws-context');
/** The incoming request being served, when there is one. */
export const CALLER_STATE = Symbol.for('@rid/otel.aws-state');
/** Epoch ms at the request; only where no CLIENT span exists, for the span we may have to make. */
export const START = Symbol.for('@rid/otel.aws-start');
/** The vendor SDK's operation span, once found under HttpInstrumentation. */
export const OPERATION = Symbol.for('@rid/otel.aws-operation');
/** Our own span, for a response with IDs only, until the body ends. */
export const OWN = Symbol.for('@rid/otel.aws-own');
/** The vendor table of the destination host (host-table.ts), matched once, at the request. */
export const TABLE = Symbol.for('@rid/otel.vendor-table');

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
