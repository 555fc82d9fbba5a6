import { SpanKind, SpanStatusCode, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { NO_REQUEST_STATE, REQUEST_ID_CONTEXT_KEY, type RequestIdState } from '../context/request-state';
import { eventCountLimitOf, kindOf, scopeNameOf } from '../internals/otel';
import { CallEventBudget } from './call-event-budget';
import { OPERATION, OWN, START, type Claimed } from './claim';
import type { FoundIds, VendorTable } from '../vendors/host-table';
import type { ResponseIdVendor } from '../vendors/vendor';
import { VENDOR_CALLS as CALLS } from '../cross-copy-keys';

/** The call events of an incoming request, on its state: made at its first call with IDs. */
type StateWithCalls = RequestIdState & { [CALLS]?: CallEventBudget };

/** What the transport adapters know of one response with IDs. */
export interface CallSummary {
  method: string;
  status: number;
  host: string | undefined;
}

/**
 * Where a response's IDs go, whatever the transport and the vendor: the CLIENT span of the attempt
 * (each retry is its own request, with its own IDs), the vendor SDK's operation span, and one call
 * event on the SERVER span of the incoming request that made the call.
 */
export class CaptureSpans {
  constructor(
    readonly table: VendorTable,
    private readonly tracer: () => Tracer,
  ) {}

  /** A recording CLIENT span that is not the vendor SDK's: HttpInstrumentation's, where the IDs go. */
  httpClientSpan(span: Span | undefined): Span | undefined {
    return span !== undefined && span.isRecording() && kindOf(span) === SpanKind.CLIENT && !this.isSdkSpan(span) ? span : undefined;
  }

  isSdkSpan(span: Span): boolean {
    const { sdkScopes } = this.table;
    return sdkScopes.size > 0 && sdkScopes.has(scopeNameOf(span) as string);
  }

  /** The SDK's operation span for this attempt: found under HttpInstrumentation, or the active one. */
  operationSpan(request: Claimed, active: Span | undefined): Span | undefined {
    const operation = request[OPERATION] ?? (active !== undefined && this.isSdkSpan(active) ? active : undefined);
    return operation !== undefined && operation.isRecording() ? operation : undefined;
  }

  /** A span of ours for a call no instrumentation made a CLIENT span for, kept on the request until it ends. */
  startOwnSpan(
    request: Claimed,
    state: RequestIdState | undefined,
    parent: Context,
    kind: SpanKind,
    call: CallSummary,
    port: number | undefined,
    vendor: ResponseIdVendor,
  ): Span {
    const { method, status, host } = call;
    const attributes: Attributes = { 'http.request.method': method, 'http.response.status_code': status };
    if (host !== undefined) attributes['server.address'] = host;
    if (port !== undefined) attributes['server.port'] = port;
    if (status >= 400) attributes['error.type'] = String(status);
    const name = kind === SpanKind.CLIENT ? method : vendor.responseSpanName;
    const options = { kind, attributes, startTime: request[START] };
    // Responses arrive in the async context of the socket, which a keep-alive pool may have opened
    // for another incoming request: span processors (RequestIdSpanProcessor) must see this call's
    // request, or none, never the socket's.
    const span = this.tracer().startSpan(name, options, parent.setValue(REQUEST_ID_CONTEXT_KEY, state ?? NO_REQUEST_STATE));
    if (status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
    request[OWN] = span;
    return span;
  }

  record(target: Span, operation: Span | undefined, state: RequestIdState | undefined, ids: FoundIds, call: CallSummary): void {
    const attributes = ids.toAttributes();
    target.setAttributes(attributes);
    // The operation span spans every attempt: it ends up with the last attempt's IDs, as `$metadata` does.
    if (operation !== undefined && operation !== target) operation.setAttributes(attributes);
    this.addCallEvent(state, ids.vendor, attributes, call);
  }

  /** Ends our own span of the request, if it has one (with an error status when `error` is given). */
  endOwnSpan(request: Claimed, error?: unknown): void {
    const own = request[OWN];
    if (own === undefined) return;
    request[OWN] = undefined;
    if (error !== undefined) own.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    own.end();
  }

  /**
   * One call event per response on the incoming request's SERVER span, named after the first
   * vendor with an ID in it (a response with AWS IDs and a downstream echo is one `aws.call`),
   * within the request's budget across all vendors (call-event-budget.ts); each vendor's
   * `droppedCallsAttribute` counts its calls left without an event.
   */
  private addCallEvent(state: StateWithCalls | undefined, vendor: ResponseIdVendor, ids: Attributes, call: CallSummary): void {
    const server = state?.serverSpan;
    if (server === undefined || !server.isRecording()) return;
    const budget = (state![CALLS] ??= new CallEventBudget(eventCountLimitOf(server), this.vendorCount));
    if (!budget.admit(vendor.callEvent, vendor.maxCallEvents)) {
      server.setAttribute(vendor.droppedCallsAttribute, budget.dropped(vendor.callEvent));
      return;
    }
    const attributes: Attributes = { 'http.request.method': call.method, 'http.response.status_code': call.status, ...ids };
    if (call.host !== undefined) attributes['server.address'] = call.host;
    server.addEvent(vendor.callEvent, attributes);
  }

  /** The vendors that could add call events (one per event name), each guaranteed a share of the budget. */
  private get vendorCount(): number {
    return (this.callEvents ??= new Set(this.table.vendors.map((v) => v.callEvent))).size;
  }

  private callEvents: Set<string> | undefined;
}
