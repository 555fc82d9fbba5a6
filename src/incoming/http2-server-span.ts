import type { Http2Session, IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { SpanKind, SpanStatusCode, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { portNumber, splitAuthority, validPort } from '../http/destination';

/** What the SERVER span reads of one HTTP/2 request. */
export interface Http2SpanRequest {
  readonly method: string;
  /** `:path`, with the query string. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly stream: ServerHttp2Stream;
}

/**
 * The SERVER span of one HTTP/2 stream: OpenTelemetry makes none for `node:http2`
 * (opentelemetry-js#2667), so we do. The HTTP semconv attributes a sampler may use, and the
 * request's ID attributes (`request.id`…), are given at start; the status is read at close, from what Node sent ({@link endHttp2ServerSpan}).
 */
export function startHttp2ServerSpan(tracer: Tracer, request: Http2SpanRequest, parent: Context, idAttributes: Attributes | undefined): Span {
  const { headers, url, method } = request;
  const query = url.indexOf('?');
  const attributes: Attributes = {
    'http.request.method': method,
    'url.path': query === -1 ? url : url.slice(0, query),
    'url.scheme': String(headers[':scheme'] ?? 'http'),
    'network.protocol.version': '2',
  };
  if (query !== -1) attributes['url.query'] = url.slice(query + 1);
  const peer = peerOf(request.stream.session, String(headers[':authority'] ?? headers.host ?? ''));
  if (peer.host !== undefined) attributes['server.address'] = peer.host;
  if (peer.port !== undefined) attributes['server.port'] = peer.port;
  if (peer.clientAddress !== undefined) attributes['client.address'] = peer.clientAddress;
  const agent = headers['user-agent'];
  if (agent !== undefined) attributes['user_agent.original'] = agent;
  // The request's ID attributes at start, where a sampler sees them: no setAttribute after (each sanitizes its value again).
  if (idAttributes !== undefined) for (const key in idAttributes) attributes[key] = idAttributes[key];
  return tracer.startSpan(method, { kind: SpanKind.SERVER, attributes }, parent);
}

/** Ends the span with the status Node sent, not the one asked: a respond() that threw, or a file that failed, sent nothing. */
export function endHttp2ServerSpan(span: Span, stream: ServerHttp2Stream): void {
  const status = stream.headersSent ? sentStatus(stream.sentHeaders) : 0;
  if (status !== 0) {
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) {
      span.setAttribute('error.type', String(status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  } else {
    // Closed with no response sent: reset, or its session went away.
    span.setAttribute('error.type', 'stream_closed');
    span.setStatus({ code: SpanStatusCode.ERROR, message: `closed before a response (RST_STREAM code ${stream.rstCode ?? 'none'})` });
  }
  span.end();
}

function sentStatus(sent: OutgoingHttpHeaders | undefined): number {
  const status = Number(sent?.[':status'] ?? 200);
  return Number.isInteger(status) ? status : 200;
}

/**
 * A session's peer and authority, kept on the session: its streams nearly always name one
 * authority, and the client's address never changes, so each stream reads them without parsing
 * the authority again or going through the session's socket proxy.
 */
class SessionPeer {
  constructor(
    readonly authority: string,
    readonly host: string | undefined,
    readonly port: number | undefined,
    readonly clientAddress: string | undefined,
  ) {}
}

// One per package copy: each keeps its own (equal) answer.
const PEER = Symbol('@rid/otel.h2-session-peer');
type WithPeer = Http2Session & { [PEER]?: SessionPeer };

function peerOf(session: Http2Session | undefined, authority: string): SessionPeer {
  const cached = (session as WithPeer | undefined)?.[PEER];
  if (cached !== undefined && cached.authority === authority) return cached;
  const split = splitAuthority(authority);
  const port = split?.port === undefined ? undefined : portNumber(split.port);
  const socket = session?.socket as Socket | undefined;
  const peer = new SessionPeer(authority, split !== undefined && split.host !== '' ? split.host : undefined, validPort(port) ? port : undefined, socket?.remoteAddress);
  if (session !== undefined) (session as WithPeer)[PEER] = peer;
  return peer;
}
