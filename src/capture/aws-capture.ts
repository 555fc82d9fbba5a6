import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { trace, type Tracer } from '@opentelemetry/api';
import { Guard } from '../diag';
import {
  HTTP_CLIENT_RESPONSE_FINISH,
  UNDICI_REQUEST_CREATE,
  UNDICI_REQUEST_ERROR,
  UNDICI_REQUEST_HEADERS,
  UNDICI_REQUEST_TRAILERS,
} from '../internals/channels';
import { addOutgoingRequestHook, removeOutgoingRequestHook } from '../internals/node-http';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version';
import { FetchCapture } from './fetch';
import { addHttp2ResponseHook, removeHttp2ResponseHook } from '../outgoing/http2-client';
import { HttpClientCapture } from './http-client';
import { Http2ClientCapture } from './http2-client';
import { CaptureSpans } from './spans';
import { aws } from './vendors/aws';

/**
 * Records the IDs that AWS puts in its response headers on the spans of the call, where support
 * can ask for them (spans.ts says which spans). One adapter per transport hands the response
 * headers over: `http`/`https` through http-client.ts, `fetch` through fetch.ts, `node:http2`
 * through http2-client.ts (on the outgoing HTTP/2 adapter's CLIENT span); the vendor
 * (vendors/aws.ts) says which headers are IDs.
 *
 * A non-AWS call allocates nothing: the request side stores references to the active context
 * and the request's state on the request (plus the start time where there is no CLIENT span),
 * and the response side makes one pass over the raw header names (response-headers.ts).
 */
export class AwsRequestIdCapture {
  private enabled = false;
  private readonly http: HttpClientCapture;
  private readonly fetch: FetchCapture;
  private readonly http2: Http2ClientCapture;

  /** `tracer` is read per span, so that the instrumentation's `setTracerProvider()` takes effect. */
  constructor(guard: Guard = new Guard(), tracer: () => Tracer = defaultTracer) {
    const spans = new CaptureSpans(aws, tracer);
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

  enable(): void {
    if (this.enabled) return;
    this.enabled = true;
    addOutgoingRequestHook(this.http.onRequest);
    subscribe(HTTP_CLIENT_RESPONSE_FINISH, this.http.onResponse);
    subscribe(UNDICI_REQUEST_CREATE, this.fetch.onRequest);
    subscribe(UNDICI_REQUEST_HEADERS, this.fetch.onResponse);
    subscribe(UNDICI_REQUEST_TRAILERS, this.fetch.onEnd);
    subscribe(UNDICI_REQUEST_ERROR, this.fetch.onEnd);
    addHttp2ResponseHook(this.http2.onResponse);
  }

  disable(): void {
    if (!this.enabled) return;
    this.enabled = false;
    removeOutgoingRequestHook(this.http.onRequest);
    unsubscribe(HTTP_CLIENT_RESPONSE_FINISH, this.http.onResponse);
    unsubscribe(UNDICI_REQUEST_CREATE, this.fetch.onRequest);
    unsubscribe(UNDICI_REQUEST_HEADERS, this.fetch.onResponse);
    unsubscribe(UNDICI_REQUEST_TRAILERS, this.fetch.onEnd);
    unsubscribe(UNDICI_REQUEST_ERROR, this.fetch.onEnd);
    removeHttp2ResponseHook(this.http2.onResponse);
  }
}

function defaultTracer(): Tracer {
  return trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION);
}
