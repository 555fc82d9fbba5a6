import type { IncomingHttpHeaders } from 'node:http2';
import { trace } from '@opentelemetry/api';
import type { Guard } from '../diag';
import type { Http2Call } from '../outgoing/http2-client-span';
import { idsFromHeaderObject, idsFromRawHeaders, sentInHeaderObject } from './response-headers';
import type { CaptureSpans } from './spans';

/**
 * The `node:http2` adapter of the capture (the AWS SDK's NodeHttp2Handler: Bedrock Runtime,
 * Kinesis, Transcribe Streaming; any vendor reached over HTTP/2). The outgoing adapter
 * (outgoing/http2-client.ts) made the CLIENT span and kept what it sent; it hands each response
 * head over, so nothing is claimed on the stream here.
 */
export class Http2ClientCapture {
  constructor(
    private readonly spans: CaptureSpans,
    private readonly guard: Guard,
  ) {}

  readonly onResponse = (headers: IncomingHttpHeaders, call: Http2Call, raw: readonly string[] | undefined): void => {
    // Two instances (or two copies of this package) each run this: the first records the call.
    if (call.captured) return;
    call.captured = true;
    try {
      const table = this.spans.table.forHost(call.host);
      // The raw pairs, as for HTTP/1.1: a repeated header's first value (Node joins them as "a, b" in `headers`).
      const ids = raw !== undefined ? idsFromRawHeaders(table, raw, call.sent, sentInHeaderObject) : idsFromHeaderObject(table, headers, call.sent, sentInHeaderObject);
      if (ids === undefined) return;
      const operation = this.spans.operationSpan({}, trace.getSpan(call.parent));
      // Without our CLIENT span (another HTTP/2 instrumentation makes them), the SDK's operation span still gets the IDs.
      const target = call.span ?? operation;
      const summary = { method: call.method, status: call.status, host: call.host };
      if (target !== undefined) this.spans.record(target, operation, call.state, ids, summary);
    } catch (err) {
      this.guard.report('capture:h2-response', 'could not record the request IDs of an HTTP/2 response', err);
    }
  };
}
