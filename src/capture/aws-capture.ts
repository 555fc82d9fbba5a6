import { hasSubscribers as hasChannelSubscribers, subscribe, unsubscribe } from 'node:diagnostics_channel';
import { errorMonitor } from 'node:events';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { NO_REQUEST_STATE, REQUEST_ID_CONTEXT_KEY, stateOf, type RequestIdState } from '../context/request-state';
import { Guard } from '../diag';
import { addOutgoingRequestHook, removeOutgoingRequestHook } from '../internals/node-http';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version';

/** Semconv: the request ID, from `x-amzn-requestid`, else `x-amzn-request-id`, else `x-amz-request-id` (AWS SDK v3's order). */
export const ATTR_AWS_REQUEST_ID = 'aws.request_id';
/** Semconv (1.30+): S3's extended request ID, from `x-amz-id-2`. AWS support wants it next to `aws.request_id`. */
export const ATTR_AWS_EXTENDED_REQUEST_ID = 'aws.extended_request_id';
/** The upstream service's ID when API Gateway proxies an AWS service: `x-amzn-remapped-x-amzn-requestid`. */
export const ATTR_AWS_REMAPPED_REQUEST_ID = 'aws.remapped_request_id';
/** CloudFront's request ID: `x-amz-cf-id`. */
export const ATTR_AWS_CF_ID = 'aws.cf_id';
/** API Gateway's extended ID: `x-amz-apigw-id`. */
export const ATTR_AWS_APIGW_ID = 'aws.apigw_id';
/** The SERVER span event recorded once per AWS HTTP response received while serving the request. */
export const AWS_CALL_EVENT = 'aws.call';
/** On the SERVER span: how many `aws.call` events were left off past {@link MAX_AWS_CALL_EVENTS}. */
export const ATTR_AWS_CALLS_DROPPED = 'aws.calls.dropped';
/** At most this many `aws.call` events per incoming request. */
export const MAX_AWS_CALL_EVENTS = 32;

/** AWS IDs are short; a longer value is cut so a broken or hostile endpoint cannot bloat spans. */
const MAX_VALUE_LENGTH = 256;
const AWS_SDK_SCOPE = '@opentelemetry/instrumentation-aws-sdk';

// What is kept on an outgoing request (ClientRequest or undici's request) until its response, as
// Symbol.for properties: references to objects that exist anyway, so a non-AWS call allocates
// nothing. Symbol.for: two instances or two copies of this package share them, so the first to
// see a request claims it and each response is recorded once.
/** The context active when the request was made: HttpInstrumentation's CLIENT span, or the caller's. */
const CONTEXT = Symbol.for('@rid/otel.aws-context');
/** The incoming request being served, when there is one. */
const STATE = Symbol.for('@rid/otel.aws-state');
/** Epoch ms at the request; only where no CLIENT span exists, for the span we may have to make. */
const START = Symbol.for('@rid/otel.aws-start');
/** instrumentation-aws-sdk's operation span, once found under HttpInstrumentation. */
const OPERATION = Symbol.for('@rid/otel.aws-operation');
/** Our own span, for an AWS response only, until the body ends. */
const OWN = Symbol.for('@rid/otel.aws-own');
/** How many `aws.call` events an incoming request got, on its state. */
const CALLS = Symbol.for('@rid/otel.aws-calls');

const HTTP_RESPONSE = 'http.client.response.finish';
const UNDICI_CREATE = 'undici:request:create';
const UNDICI_HEADERS = 'undici:request:headers';
const UNDICI_TRAILERS = 'undici:request:trailers';
const UNDICI_ERROR = 'undici:request:error';
/** instrumentation-undici listens here; this capture does not. */
const UNDICI_SEND_HEADERS = 'undici:client:sendHeaders';

interface Stashed {
  [CONTEXT]?: Context;
  [STATE]?: RequestIdState;
  [START]?: number;
  [OPERATION]?: Span;
  [OWN]?: Span;
}

type StateWithCalls = RequestIdState & { [CALLS]?: number };

/** What Node publishes on `http.client.response.finish`, just before the `'response'` event. */
interface HttpResponseMessage {
  request: ClientRequest & Stashed;
  response: IncomingMessage;
}

/** The part of undici's request object used here (undici 5 keeps headers as one string). */
interface UndiciRequestLike extends Stashed {
  origin?: unknown;
  method?: unknown;
  headers?: unknown;
}

interface UndiciHeadersMessage {
  request: UndiciRequestLike;
  response: { statusCode: number; headers: unknown };
}

/**
 * Records the IDs that AWS puts in its response headers on the spans of the call, where support
 * can ask for them: on the CLIENT span of every outgoing HTTP request whose response carries one
 * (each retry attempt is its own request, with its own ID), on instrumentation-aws-sdk's
 * operation span, and as an `aws.call` event on the SERVER span of the incoming request that
 * made the call.
 *
 * A non-AWS call allocates nothing: the request side stores references to the active context
 * and the request's state on the request (plus the start time where there is no CLIENT span),
 * and the response side makes one pass over the raw header names, with a length check and a few
 * character-code compares per name: no regex, no lower-casing, no `response.headers` object.
 */
export class AwsRequestIdCapture {
  private enabled = false;
  private readonly tracer: Tracer;

  constructor(private readonly guard: Guard = new Guard()) {
    this.tracer = trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION);
  }

  enable(): void {
    if (this.enabled) return;
    this.enabled = true;
    addOutgoingRequestHook(this.onHttpRequest);
    subscribe(HTTP_RESPONSE, this.onHttpResponse);
    subscribe(UNDICI_CREATE, this.onFetchRequest);
    subscribe(UNDICI_HEADERS, this.onFetchResponse);
    subscribe(UNDICI_TRAILERS, this.onFetchEnd);
    subscribe(UNDICI_ERROR, this.onFetchEnd);
  }

  disable(): void {
    if (!this.enabled) return;
    this.enabled = false;
    removeOutgoingRequestHook(this.onHttpRequest);
    unsubscribe(HTTP_RESPONSE, this.onHttpResponse);
    unsubscribe(UNDICI_CREATE, this.onFetchRequest);
    unsubscribe(UNDICI_HEADERS, this.onFetchResponse);
    unsubscribe(UNDICI_TRAILERS, this.onFetchEnd);
    unsubscribe(UNDICI_ERROR, this.onFetchEnd);
  }

  /**
   * Inside `Agent.prototype.addRequest`: the active span is HttpInstrumentation's CLIENT span when
   * it is enabled, else the caller's (instrumentation-aws-sdk's operation span for SDK calls).
   */
  readonly onHttpRequest = (request: ClientRequest): void => {
    const r = request as ClientRequest & Stashed;
    if (r[CONTEXT] !== undefined) return;
    try {
      const ctx = context.active();
      r[CONTEXT] = ctx;
      const state = stateOf(ctx);
      if (state !== undefined) r[STATE] = state;
      const client = httpClientSpan(trace.getSpan(ctx));
      if (client === undefined) {
        r[START] = nowMs();
      } else if (request.getHeader('amz-sdk-invocation-id') !== undefined && hasLocalParent(client)) {
        // An AWS SDK v3 attempt under HttpInstrumentation: the operation span is the CLIENT span's
        // parent, active again as soon as `https.request` returns to the SDK's NodeHttpHandler,
        // which then adds its listeners. Only SDK v3 requests carry this header.
        request.on('newListener', findOperationSpan);
      }
    } catch (err) {
      this.guard.report('aws:request', 'could not prepare AWS request ID capture for an outgoing request; it goes on unrecorded', err);
    }
  };

  /** Node publishes this before emitting `'response'`: HttpInstrumentation's CLIENT span is still open. */
  readonly onHttpResponse = (message: unknown): void => {
    try {
      const { request, response } = message as HttpResponseMessage;
      const ctx = request[CONTEXT];
      if (ctx === undefined) return;
      // Claimed: another capture (instance or package copy) leaves this response alone.
      request[CONTEXT] = undefined;
      const ids = idsFromRawHeaders(response.rawHeaders);
      if (ids === undefined) return;
      const status = response.statusCode ?? 0;
      const method = request.method;
      const host = request.host;
      const active = trace.getSpan(ctx);
      let target = httpClientSpan(active);
      if (target === undefined) {
        target = this.startOwnSpan(request, ctx, SpanKind.CLIENT, method, status, host, request.socket?.remotePort);
        endWithHttpResponse(request, response);
      }
      this.record(request, target, operationSpan(request, active), ids, host, method, status);
    } catch (err) {
      this.guard.report('aws:response', 'could not record the AWS request IDs of a response', err);
    }
  };

  /** `undici:request:create` fires synchronously inside `fetch()`, in the caller's context. */
  readonly onFetchRequest = (message: unknown): void => {
    try {
      const request = (message as { request: UndiciRequestLike }).request;
      if (request[CONTEXT] !== undefined) return;
      const ctx = context.active();
      request[CONTEXT] = ctx;
      const state = stateOf(ctx);
      if (state !== undefined) request[STATE] = state;
      // Every AWS fetch response gets a span of ours (see onFetchResponse): it starts here.
      request[START] = nowMs();
    } catch (err) {
      this.guard.report('aws:fetch-request', 'could not prepare AWS request ID capture for a fetch call; it goes on unrecorded', err);
    }
  };

  /** `undici:request:headers`: the response headers as `[name, value, …]` Buffers. */
  readonly onFetchResponse = (message: unknown): void => {
    try {
      const { request, response } = message as UndiciHeadersMessage;
      const ctx = request[CONTEXT];
      if (ctx === undefined) return;
      request[CONTEXT] = undefined;
      const ids = idsFromBufferHeaders(response.headers);
      if (ids === undefined) return;
      const status = response.statusCode;
      const method = typeof request.method === 'string' ? request.method : 'GET';
      const { hostname, port } = originParts(request.origin);
      // instrumentation-undici never makes its span active nor hands it out, so it cannot be
      // written to. When another instrumentation made a span for this call, ours is an INTERNAL
      // child of it (found by the trace header it injected), not a second CLIENT span.
      let target: Span;
      const other = injectedSpanContext(request.headers, ctx);
      if (other !== undefined) {
        target = this.startOwnSpan(request, trace.setSpanContext(ctx, other), SpanKind.INTERNAL, method, status, hostname, port);
      } else if (hasChannelSubscribers(UNDICI_SEND_HEADERS)) {
        // A tracer of fetch is there (instrumentation-undici subscribes to this channel, we do
        // not) but its span could not be found (no W3C or X-Ray propagator): still no second CLIENT span.
        target = this.startOwnSpan(request, ctx, SpanKind.INTERNAL, method, status, hostname, port);
      } else {
        target = this.startOwnSpan(request, ctx, SpanKind.CLIENT, method, status, hostname, port);
      }
      this.record(request, target, operationSpan(request, trace.getSpan(ctx)), ids, hostname, method, status);
    } catch (err) {
      this.guard.report('aws:fetch-response', 'could not record the AWS request IDs of a fetch response', err);
    }
  };

  /** `undici:request:trailers` (body done) or `undici:request:error` (`{ request, error }`). */
  readonly onFetchEnd = (message: unknown): void => {
    const { request, error } = message as { request?: Stashed; error?: unknown };
    const own = request?.[OWN];
    if (own === undefined) return;
    request![OWN] = undefined;
    try {
      if (error !== undefined) own.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      own.end();
    } catch (err) {
      this.guard.report('aws:fetch-end', 'could not end the span of an AWS fetch call', err);
    }
  };

  private startOwnSpan(
    request: Stashed,
    parent: Context,
    kind: SpanKind,
    method: string,
    status: number,
    host: string | undefined,
    port: number | undefined,
  ): Span {
    const attributes: Attributes = { 'http.request.method': method, 'http.response.status_code': status };
    if (host !== undefined) attributes['server.address'] = host;
    if (port !== undefined) attributes['server.port'] = port;
    if (status >= 400) attributes['error.type'] = String(status);
    const name = kind === SpanKind.CLIENT ? method : 'aws.response';
    const options = { kind, attributes, startTime: request[START] };
    // Responses arrive in the async context of the socket, which a keep-alive pool may have opened
    // for another incoming request: span processors (RequestIdSpanProcessor) must see this call's
    // request, or none, never the socket's.
    const state = request[STATE];
    const span = this.tracer.startSpan(name, options, parent.setValue(REQUEST_ID_CONTEXT_KEY, state ?? NO_REQUEST_STATE));
    if (status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
    request[OWN] = span;
    return span;
  }

  private record(
    request: Stashed,
    target: Span,
    operation: Span | undefined,
    ids: AwsIds,
    host: string | undefined,
    method: string,
    status: number,
  ): void {
    const attributes = ids.toAttributes();
    target.setAttributes(attributes);
    // The operation span spans every attempt: it ends up with the last attempt's IDs, as `$metadata` does.
    if (operation !== undefined && operation !== target) operation.setAttributes(attributes);
    addCallEvent(request[STATE], attributes, host, method, status);
  }
}

/** A recording CLIENT span that is not instrumentation-aws-sdk's: HttpInstrumentation's, where the IDs go. */
function httpClientSpan(span: Span | undefined): Span | undefined {
  return span !== undefined && span.isRecording() && kindOf(span) === SpanKind.CLIENT && !isAwsSdkSpan(span) ? span : undefined;
}

/** instrumentation-aws-sdk's operation span for this attempt: found under HttpInstrumentation, or the active one. */
function operationSpan(request: Stashed, active: Span | undefined): Span | undefined {
  const operation = request[OPERATION] ?? (active !== undefined && isAwsSdkSpan(active) ? active : undefined);
  return operation !== undefined && operation.isRecording() ? operation : undefined;
}

/** One `aws.call` event per AWS response on the incoming request's SERVER span, at most MAX_AWS_CALL_EVENTS. */
function addCallEvent(state: StateWithCalls | undefined, ids: Attributes, host: string | undefined, method: string, status: number): void {
  const server = state?.serverSpan;
  if (server === undefined || !server.isRecording()) return;
  const count = (state![CALLS] ?? 0) + 1;
  state![CALLS] = count;
  if (count > MAX_AWS_CALL_EVENTS) {
    server.setAttribute(ATTR_AWS_CALLS_DROPPED, count - MAX_AWS_CALL_EVENTS);
    return;
  }
  const attributes: Attributes = { 'http.request.method': method, 'http.response.status_code': status, ...ids };
  if (host !== undefined) attributes['server.address'] = host;
  server.addEvent(AWS_CALL_EVENT, attributes);
}

/** The IDs found in one response. The first value of each header wins. */
export class AwsIds {
  requestId: string | undefined = undefined;
  /** Which of the three request-ID headers gave `requestId` (lower is preferred). */
  requestIdRank = 3;
  extended: string | undefined = undefined;
  remapped: string | undefined = undefined;
  cf: string | undefined = undefined;
  apigw: string | undefined = undefined;

  set(slot: number, raw: string): void {
    const value = raw.length > MAX_VALUE_LENGTH ? raw.slice(0, MAX_VALUE_LENGTH) : raw;
    if (slot < 3) {
      if (slot < this.requestIdRank) {
        this.requestId = value;
        this.requestIdRank = slot;
      }
    } else if (slot === SLOT_ID_2) this.extended ??= value;
    else if (slot === SLOT_REMAPPED) this.remapped ??= value;
    else if (slot === SLOT_CF) this.cf ??= value;
    else this.apigw ??= value;
  }

  toAttributes(): Attributes {
    const attributes: Attributes = {};
    if (this.requestId !== undefined) attributes[ATTR_AWS_REQUEST_ID] = this.requestId;
    if (this.extended !== undefined) attributes[ATTR_AWS_EXTENDED_REQUEST_ID] = this.extended;
    if (this.remapped !== undefined) attributes[ATTR_AWS_REMAPPED_REQUEST_ID] = this.remapped;
    if (this.cf !== undefined) attributes[ATTR_AWS_CF_ID] = this.cf;
    if (this.apigw !== undefined) attributes[ATTR_AWS_APIGW_ID] = this.apigw;
    return attributes;
  }
}

// Slots 0-2 are the request-ID headers in AWS SDK v3's order of preference.
const SLOT_ID_2 = 3;
const SLOT_REMAPPED = 4;
const SLOT_CF = 5;
const SLOT_APIGW = 6;

/** The slot of a lower-case header name, or -1. */
function slotOf(lower: string): number {
  switch (lower) {
    case 'x-amzn-requestid':
      return 0;
    case 'x-amzn-request-id':
      return 1;
    case 'x-amz-request-id':
      return 2;
    case 'x-amz-id-2':
      return SLOT_ID_2;
    case 'x-amzn-remapped-x-amzn-requestid':
      return SLOT_REMAPPED;
    case 'x-amz-cf-id':
      return SLOT_CF;
    case 'x-amz-apigw-id':
      return SLOT_APIGW;
    default:
      return -1;
  }
}

// Every ID header starts with "x-amz" and is 10 ('x-amz-id-2') to 32 characters long.
const MIN_NAME = 10;
const MAX_NAME = 32;

/** Node's `rawHeaders`: `[name, value, …]` with the names as sent. */
export function idsFromRawHeaders(raw: readonly string[]): AwsIds | undefined {
  let ids: AwsIds | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (!mayBeIdName(name)) continue;
    const slot = slotOf(name.toLowerCase());
    if (slot === -1) continue;
    ids ??= new AwsIds();
    ids.set(slot, raw[i + 1]);
  }
  return ids;
}

/** undici's response headers: `[name, value, …]` as Buffers (strings are accepted too). */
export function idsFromBufferHeaders(headers: unknown): AwsIds | undefined {
  if (!Array.isArray(headers)) return undefined;
  let ids: AwsIds | undefined;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as unknown;
    let lower: string;
    if (name instanceof Uint8Array) {
      if (!mayBeIdBytes(name)) continue;
      lower = Buffer.from(name.buffer, name.byteOffset, name.length).toString('latin1').toLowerCase();
    } else if (typeof name === 'string') {
      if (!mayBeIdName(name)) continue;
      lower = name.toLowerCase();
    } else {
      continue;
    }
    const slot = slotOf(lower);
    if (slot === -1) continue;
    ids ??= new AwsIds();
    ids.set(slot, textOf(headers[i + 1]));
  }
  return ids;
}

/** A length check and up to five character-code compares: `x-amz`, any case. */
function mayBeIdName(name: string): boolean {
  const n = name.length;
  return (
    n >= MIN_NAME &&
    n <= MAX_NAME &&
    (name.charCodeAt(0) | 0x20) === 0x78 && // x
    name.charCodeAt(1) === 0x2d && // -
    (name.charCodeAt(2) | 0x20) === 0x61 && // a
    (name.charCodeAt(3) | 0x20) === 0x6d && // m
    (name.charCodeAt(4) | 0x20) === 0x7a // z
  );
}

function mayBeIdBytes(name: Uint8Array): boolean {
  const n = name.length;
  return (
    n >= MIN_NAME &&
    n <= MAX_NAME &&
    (name[0] | 0x20) === 0x78 &&
    name[1] === 0x2d &&
    (name[2] | 0x20) === 0x61 &&
    (name[3] | 0x20) === 0x6d &&
    (name[4] | 0x20) === 0x7a
  );
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.length).toString('latin1');
  if (Array.isArray(value) && value.length > 0) return textOf(value[0]);
  return '';
}

/** Runs on the ClientRequest's `'newListener'`: the first listener added outside HttpInstrumentation's span is the SDK's. */
function findOperationSpan(this: ClientRequest & Stashed): void {
  const ctx = this[CONTEXT];
  const client = ctx === undefined ? undefined : trace.getSpan(ctx);
  const active = trace.getActiveSpan();
  // Still inside HttpInstrumentation's context.with(): its own listeners.
  if (client !== undefined && active === client) return;
  this.removeListener('newListener', findOperationSpan);
  if (client === undefined || active === undefined || !isAwsSdkSpan(active) || !active.isRecording()) return;
  // Only the exact parent of the CLIENT span: never some other aws-sdk span that happens to be active.
  if (active.spanContext().spanId === parentSpanIdOf(client)) this[OPERATION] = active;
}

function endWithHttpResponse(request: ClientRequest & Stashed, response: IncomingMessage): void {
  const end = (): void => {
    const own = request[OWN];
    if (own === undefined) return;
    request[OWN] = undefined;
    own.end();
  };
  response.once('end', end);
  response.once(errorMonitor, (err: Error) => {
    request[OWN]?.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
    end();
  });
  request.once('close', end);
}

/**
 * The span that another instrumentation made for a fetch call, from the trace header it injected
 * (W3C `traceparent`, else the X-Ray propagator's `X-Amzn-Trace-Id`), unless it is the caller's own.
 */
function injectedSpanContext(headers: unknown, parent: Context): SpanContext | undefined {
  let traceId: string | undefined;
  let spanId: string | undefined;
  let sampled: boolean;
  const traceparent = headerValue(headers, 'traceparent');
  const w3c = traceparent === undefined ? null : /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(traceparent.trim());
  if (w3c !== null) {
    [, traceId, spanId] = w3c;
    sampled = (parseInt(w3c[3], 16) & TraceFlags.SAMPLED) !== 0;
  } else {
    const xray = headerValue(headers, 'x-amzn-trace-id');
    const root = xray === undefined ? null : /(?:^|;)\s*Root=1-([0-9a-f]{8})-([0-9a-f]{24})/i.exec(xray);
    const parentId = xray === undefined ? null : /(?:^|;)\s*Parent=([0-9a-f]{16})/i.exec(xray);
    if (root === null || parentId === null) return undefined;
    traceId = (root[1] + root[2]).toLowerCase();
    spanId = parentId[1].toLowerCase();
    sampled = /(?:^|;)\s*Sampled=1/.test(xray!);
  }
  if (spanId === trace.getSpan(parent)?.spanContext().spanId) return undefined;
  return { traceId: traceId!, spanId: spanId!, traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: false };
}

function headerValue(headers: unknown, key: string): string | undefined {
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i];
      if (typeof name === 'string' && name.toLowerCase() === key) return textOf(headers[i + 1]);
    }
    return undefined;
  }
  if (typeof headers !== 'string') return undefined;
  for (const line of headers.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === key) return line.slice(colon + 1).trim();
  }
  return undefined;
}

function originParts(origin: unknown): { hostname: string | undefined; port: number | undefined } {
  if (typeof origin !== 'string') return { hostname: undefined, port: undefined };
  try {
    const url = new URL(origin);
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return { hostname, port };
  } catch {
    return { hostname: undefined, port: undefined };
  }
}

/** The SDK span's fields we read; typed here so that neither SDK line is a dependency. */
interface SdkSpanFields {
  kind?: SpanKind;
  instrumentationScope?: { name?: string };
  instrumentationLibrary?: { name?: string };
  parentSpanContext?: { spanId?: string; isRemote?: boolean };
  parentSpanId?: string;
}

function kindOf(span: Span): SpanKind | undefined {
  return (span as unknown as SdkSpanFields).kind;
}

function isAwsSdkSpan(span: Span): boolean {
  const fields = span as unknown as SdkSpanFields;
  return (fields.instrumentationScope ?? fields.instrumentationLibrary)?.name === AWS_SDK_SCOPE;
}

function parentSpanIdOf(span: Span | undefined): string | undefined {
  const fields = span as unknown as SdkSpanFields | undefined;
  return fields?.parentSpanContext?.spanId ?? fields?.parentSpanId;
}

function hasLocalParent(span: Span): boolean {
  const fields = span as unknown as SdkSpanFields;
  if (fields.parentSpanContext !== undefined) return fields.parentSpanContext.isRemote !== true;
  return fields.parentSpanId !== undefined;
}

function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
