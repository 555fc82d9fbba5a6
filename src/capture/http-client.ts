import { errorMonitor } from 'node:events';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { stateOf } from '../context/request-state';
import type { Guard } from '../diag';
import { hasLocalParent, parentSpanIdOf } from '../internals/otel';
import { unbracketHost } from '../http/destination';
import { CONTEXT, nowMs, OPERATION, START, CALLER_STATE, TABLE, type Claimed } from './claim';
import { idsFromRawHeaders } from './response-headers';
import type { CaptureSpans } from './spans';

/** What Node publishes on `http.client.response.finish`, just before the `'response'` event. */
interface HttpResponseMessage {
  request: ClientRequest & Claimed;
  response: IncomingMessage;
}

/** What the call itself carried in header `key`: the downstream echo compares the response's value with it. */
function sentHeader(request: ClientRequest, key: string): string | undefined {
  const value = request.getHeader(key);
  return typeof value === 'string' ? value : undefined;
}

/** The host a ClientRequest goes to, as the vendor table matches it. */
function hostOf(request: ClientRequest): string | undefined {
  const host = request.host;
  return typeof host === 'string' ? unbracketHost(host) : undefined;
}

/**
 * The `http`/`https` adapter of the capture: `Agent.prototype.addRequest` (the destination's vendor
 * table, matched once per request) and `http.client.response.finish` (the response's raw headers).
 */
export class HttpClientCapture {
  /** One function for every request (a `'newListener'` listener, with the request as `this`): no closure per call. */
  private readonly findOperationSpan: (this: ClientRequest & Claimed) => void;

  constructor(
    private readonly spans: CaptureSpans,
    private readonly guard: Guard,
  ) {
    this.findOperationSpan = operationSpanFinder(spans);
  }

  /**
   * Inside `Agent.prototype.addRequest`: the active span is HttpInstrumentation's CLIENT span when
   * it is enabled, else the caller's (instrumentation-aws-sdk's operation span for SDK calls).
   */
  readonly onRequest = (request: ClientRequest): void => {
    const r = request as ClientRequest & Claimed;
    if (r[CONTEXT] !== undefined) return;
    try {
      const ctx = context.active();
      r[CONTEXT] = ctx;
      r[TABLE] = this.spans.table.forHost(hostOf(request));
      const state = stateOf(ctx);
      if (state !== undefined) r[CALLER_STATE] = state;
      const client = this.spans.httpClientSpan(trace.getSpan(ctx));
      if (client === undefined) {
        r[START] = nowMs();
      } else if (this.isSdkAttempt(request) && hasLocalParent(client)) {
        // An SDK attempt under HttpInstrumentation: the operation span is the CLIENT span's parent,
        // active again as soon as `https.request` returns to the SDK's NodeHttpHandler, which then
        // adds its listeners. Only SDK requests carry this header.
        request.on('newListener', this.findOperationSpan);
      }
    } catch (err) {
      this.guard.report('capture:request', 'could not prepare request ID capture (AWS and other vendors) for an outgoing request; it goes on unrecorded', err);
    }
  };

  /** The request carries a header only a vendor SDK sends (AWS SDK: `amz-sdk-invocation-id`). */
  private isSdkAttempt(request: ClientRequest): boolean {
    const headers = this.spans.table.sdkRequestHeaders;
    for (let i = 0; i < headers.length; i++) if (request.getHeader(headers[i]) !== undefined) return true;
    return false;
  }

  /** Node publishes this before emitting `'response'`: HttpInstrumentation's CLIENT span is still open. */
  readonly onResponse = (message: unknown): void => {
    try {
      const { request, response } = message as HttpResponseMessage;
      const ctx = request[CONTEXT];
      if (ctx === undefined) return;
      // Claimed: another capture (instance or package copy) leaves this response alone.
      request[CONTEXT] = undefined;
      const table = request[TABLE] ?? this.spans.table.forHost(hostOf(request));
      const ids = idsFromRawHeaders(table, response.rawHeaders, request, sentHeader);
      if (ids === undefined) return;
      const call = { method: request.method, status: response.statusCode ?? 0, host: request.host };
      const active = trace.getSpan(ctx);
      let target = this.spans.httpClientSpan(active);
      if (target === undefined) {
        target = this.spans.startOwnSpan(request, request[CALLER_STATE], ctx, SpanKind.CLIENT, call, request.socket?.remotePort, ids.vendor);
        this.endWithResponse(request, response);
      }
      this.spans.record(target, this.spans.operationSpan(request, active), request[CALLER_STATE], ids, call);
    } catch (err) {
      this.guard.report('capture:response', 'could not record the request IDs (AWS and other vendors) of a response', err);
    }
  };

  private endWithResponse(request: ClientRequest & Claimed, response: IncomingMessage): void {
    const end = (): void => this.spans.endOwnSpan(request);
    response.once('end', end);
    response.once(errorMonitor, (err: Error) => this.spans.endOwnSpan(request, err));
    request.once('close', end);
  }
}

/**
 * Runs on the ClientRequest's `'newListener'`: the first listener added outside HttpInstrumentation's
 * span is the SDK's, and the span active then is the SDK's operation span.
 */
function operationSpanFinder(spans: CaptureSpans): (this: ClientRequest & Claimed) => void {
  return function findOperationSpan(this: ClientRequest & Claimed): void {
    const ctx = this[CONTEXT];
    const client = ctx === undefined ? undefined : trace.getSpan(ctx);
    const active = trace.getActiveSpan();
    // Still inside HttpInstrumentation's context.with(): its own listeners.
    if (client !== undefined && active === client) return;
    this.removeListener('newListener', findOperationSpan);
    if (client === undefined || active === undefined || !spans.isSdkSpan(active) || !active.isRecording()) return;
    // Only the exact parent of the CLIENT span: never some other SDK span that happens to be active.
    if (active.spanContext().spanId === parentSpanIdOf(client)) this[OPERATION] = active;
  };
}
