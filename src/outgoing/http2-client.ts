import type { ClientHttp2Session, ClientHttp2Stream } from 'node:http2';
import { context, propagation, trace, type Span, type Tracer } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import type { OutgoingDestination } from '../http/destination';
import type { RequestIdState } from '../context/request-state';
import type { Guard } from '../diag';
import { hasHeader, isGrpcContentType } from '../http/headers';
import { otherHttp2Instrumentation, targetOf, type Headers } from '../internals/node-http2';
import { injectedInto } from '../context/carrier-marks';
import { parseAuthority } from '../http/destination';
import { calls, endCall, followCall, startClientSpan, urlOf, type PendingCall } from './http2-client-span';
import { idFor, type OutgoingPropagation } from './decide';
import { withdraw } from './withdraw';

/**
 * The `node:http2` client adapter, inside `ClientHttp2Session#request` (internals/node-http2.ts):
 * HTTP/2 has no OpenTelemetry instrumentation, so this starts the CLIENT span (http2-client-span.ts),
 * injects the global propagator (the trace goes on across HTTP/2), and adds the IDs under the same
 * `propagateTo` decision as `http` and `fetch`. The caller's headers object is never modified: the request
 * is sent with a copy. A header the app set wins.
 *
 * gRPC calls (`content-type: application/grpc…`) get the IDs only: instrumentation-grpc makes
 * their spans and injects its own context.
 */
export class Http2ClientAdapter {
  constructor(
    private readonly propagation: OutgoingPropagation,
    private readonly tracer: () => Tracer,
    private readonly guard: Guard,
  ) {}

  readonly onRequest = (session: ClientHttp2Session, headers: Headers | undefined): Headers | undefined => {
    // An earlier instance's hook made this call: the headers are the copy it returned. (Any other
    // pending call is stale, never this one's: it is replaced below.)
    const owner = calls.pending;
    if (owner !== undefined && owner.sent === headers) return this.addToCall(owner, headers);
    const parent = context.active();
    const grpc = isGrpcContentType(headers?.['content-type']);
    const state = this.propagation.state();
    if (grpc && state === undefined) return undefined;
    const target = targetOf(session);
    const protocol = target.protocol ?? 'http:';
    // Where the bytes go decides (propagateTo, vendor tables), as for http and fetch: not the
    // `:authority` header, which any caller can set to any name.
    const destination = target.authority === undefined ? undefined : parseAuthority(protocol, target.authority, true);
    const method = String(headers?.[':method'] ?? 'GET');
    const sent: Headers = { ...headers };
    let span: Span | undefined;
    if (!grpc && !isTracingSuppressed(parent) && !otherHttp2Instrumentation()) {
      span = startClientSpan(this.tracer(), method, destination, urlOf(protocol, headers, destination), parent);
      // A trace context the app wrote itself is left as it is.
      if (!hasHeader(sent, 'traceparent')) {
        this.guard.run('h2:inject', 'could not inject trace context into an HTTP/2 request', () => propagation.inject(trace.setSpan(parent, span!), sent));
      }
    }
    if (state !== undefined) this.addIds(sent, state, destination);
    calls.pending = { span, parent, state, method, destination, host: destination?.hostname, sent, status: 0, captured: false };
    return sent;
  };

  /** Right after `session.request()` returned (or threw: `stream` is undefined then): the first adapter takes the call. */
  readonly onStream = (stream: ClientHttp2Stream | undefined): void => {
    const call = calls.pending;
    calls.pending = undefined;
    if (call === undefined) return;
    if (stream === undefined) {
      endCall(call, 'request() threw');
      return;
    }
    followCall(stream, call);
  };

  /** An earlier instance made this call: this one adds the IDs its own config sends there (a header already set wins). */
  private addToCall(call: PendingCall, headers: Headers | undefined): Headers | undefined {
    if (call.state === undefined) return undefined;
    const sent: Headers = { ...headers };
    this.addIds(sent, call.state, call.destination);
    call.sent = sent;
    return sent;
  }

  /** The IDs, where `propagateTo` allows; else what the global propagator wrote of them is taken back. */
  private addIds(sent: Headers, state: RequestIdState, destination: OutgoingDestination | undefined): void {
    const config = this.propagation.config();
    if (config.propagateTo !== true && !this.propagation.allowed(config, () => destination)) {
      withdraw(injectedInto(sent), Object.keys(sent), (name) => sent[name], (name, value) => {
        if (value === undefined) delete sent[name];
        else sent[name] = value;
      });
      return;
    }
    for (const header of config.outgoing) {
      const id = idFor(state, header.key, config.global.headerKey);
      // HTTP/2 header names are lower case on the wire.
      if (id !== undefined && !hasHeader(sent, header.key)) sent[header.key] = id;
    }
  }
}
