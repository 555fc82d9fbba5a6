import type { Tracer } from '@opentelemetry/api';
import type { Guard } from '../diag';
import { attachAll, channelAttachment, detachAll, hookAttachment, type Attachment } from '../hook-registry';
import {
  HTTP_CLIENT_RESPONSE_FINISH,
  UNDICI_REQUEST_CREATE,
  UNDICI_REQUEST_ERROR,
  UNDICI_REQUEST_HEADERS,
  UNDICI_REQUEST_TRAILERS,
} from '../internals/channels';
import { addOutgoingRequestHook, removeOutgoingRequestHook } from '../internals/node-http';
import { addHttp2ResponseHook, removeHttp2ResponseHook } from '../outgoing/http2-client-span';
import { FetchCapture } from './fetch';
import { HttpClientCapture } from './http-client';
import { Http2ClientCapture } from './http2-client';
import { VendorTable } from '../vendors/host-table';
import { CaptureSpans } from './spans';

/**
 * Records the IDs that vendors (AWS, OpenAI, Stripe…, vendors/) put in their response headers,
 * and the downstream's echo of our own header, on the spans of the call, where support can ask
 * for them (spans.ts says which spans). One adapter per transport hands over the destination host
 * at the request and the response headers: `http`/`https` through http-client.ts, `fetch` through
 * fetch.ts, `node:http2` through http2-client.ts; the vendor table (host-table.ts) says which
 * headers are IDs for that host.
 *
 * A transport adapter does no vendor work of its own: it gives `spans.table.forHost(host)` and the
 * response headers to response-headers.ts, and what comes back to `CaptureSpans`. HTTP/2's
 * (http2-client.ts) is the shortest: the outgoing HTTP/2 adapter already made the CLIENT span.
 *
 * A call with no ID allocates nothing: the request side stores references to the active context,
 * the request's state and its host's table on the request (plus the start time where there is no
 * CLIENT span), and the response side makes one pass over the raw header names (response-headers.ts).
 */
export class ResponseIdCapture {
  private enabled = false;
  private readonly http: HttpClientCapture;
  private readonly fetch: FetchCapture;
  private readonly http2: Http2ClientCapture;

  /**
   * `table`: the vendors to record, compiled from the config (config/vendors.ts). `tracer` is read
   * per span, so that the instrumentation's `setTracerProvider()` takes effect.
   */
  constructor(
    readonly table: VendorTable,
    guard: Guard,
    tracer: () => Tracer,
  ) {
    const spans = new CaptureSpans(table, tracer);
    this.http = new HttpClientCapture(spans, guard);
    this.fetch = new FetchCapture(spans, guard);
    this.http2 = new Http2ClientCapture(spans, guard);
  }

  get onHttpRequest(): HttpClientCapture['onRequest'] {
    return this.http.onRequest;
  }
  get onHttpResponse(): HttpClientCapture['onResponse'] {
    return this.http.onResponse;
  }
  get onFetchRequest(): FetchCapture['onRequest'] {
    return this.fetch.onRequest;
  }
  get onFetchResponse(): FetchCapture['onResponse'] {
    return this.fetch.onResponse;
  }

  /** The hooks and diagnostics channels the adapters listen on: enable() and disable() walk this one list (hook-registry.ts). */
  private wiring(): Attachment[] {
    return [
      hookAttachment(addOutgoingRequestHook, removeOutgoingRequestHook, this.http.onRequest),
      hookAttachment(addHttp2ResponseHook, removeHttp2ResponseHook, this.http2.onResponse),
      channelAttachment(HTTP_CLIENT_RESPONSE_FINISH, this.http.onResponse),
      channelAttachment(UNDICI_REQUEST_CREATE, this.fetch.onRequest),
      channelAttachment(UNDICI_REQUEST_HEADERS, this.fetch.onResponse),
      channelAttachment(UNDICI_REQUEST_TRAILERS, this.fetch.onEnd),
      channelAttachment(UNDICI_REQUEST_ERROR, this.fetch.onEnd),
    ];
  }

  enable(): void {
    if (this.enabled) return;
    this.enabled = true;
    attachAll(this.wiring());
  }

  disable(): void {
    if (!this.enabled) return;
    this.enabled = false;
    detachAll(this.wiring());
  }
}
