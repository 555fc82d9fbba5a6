import type { IncomingMessage } from 'node:http';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { OutgoingDestination } from './http/destination';
import type { AlgorithmName, RangeIdOptions } from './generators/types';

export type { RangeIdOptions } from './generators/types';
export type { OutgoingDestination } from './http/destination';

/**
 * A built-in vendor whose response request IDs are recorded (README "Vendor request IDs"), or
 * `'downstream'`, the echo of our own header by a downstream that did not keep our ID. AWS has its
 * own option, `captureAwsRequestIds`.
 */
export type VendorName = 'openai' | 'anthropic' | 'stripe' | 'github' | 'azure' | 'twilio' | 'cloudflare' | 'slack' | 'shopify' | 'downstream';

/** A vendor of your own, whose responses carry an ID its support (or your team) asks for. */
export interface CustomVendor {
  /** Lower case, letters, digits and `_`, starting with a letter, not a built-in's name. Names the event `rid.<name>.call`. */
  name: string;
  /** Where its responses come from: host names, `*.suffix` wildcards (subdomains only), RegExps on the host name, or `'*'` (every host: only for a header nobody else sends). */
  hosts: string | RegExp | readonly (string | RegExp)[];
  /** The response header that carries its ID, or several, most preferred first (matched case-insensitively). */
  headers: string | readonly string[];
  /** The span attribute for the ID. Default `'rid.<name>.request_id'`. */
  attributeName?: string;
}

/** Where the SERVER span's trace context goes in the response: the W3C `traceresponse` header, `Server-Timing: traceparent;desc="…"`, both, or nowhere. */
export type TraceResponse = 'traceresponse' | 'server-timing' | 'both' | false;
/** Which destinations get the request-ID header. */
export type PropagateTo =
  | boolean
  | readonly (string | RegExp)[]
  | ((destination: OutgoingDestination) => boolean);

/** A built-in algorithm name, or a function that returns a new ID (guarded: see README). */
export type RequestIdAlgorithm = AlgorithmName | (() => string);

/**
 * An incoming HTTP/2 request as the hooks see it, for the compat API and the `'stream'` API alike:
 * the fields of `IncomingMessage` that hooks read, plus the stream. Tell the two apart with
 * `request.httpVersion === '2.0'`.
 */
export interface Http2IncomingRequest {
  readonly httpVersion: '2.0';
  /** `:method`. */
  readonly method: string;
  /** `:path`, with the query string. */
  readonly url: string;
  /** The request headers, pseudo-headers included, as Node's `'stream'` event gives them. */
  readonly headers: IncomingHttpHeaders;
  /** The session's socket: `remoteAddress` is the peer (what `trustIncoming` checks). */
  readonly socket: Socket;
  readonly stream: ServerHttp2Stream;
}

/** Where an HTTP request reached a Lambda function from. */
export type LambdaHttpSource = 'api-gateway-rest' | 'api-gateway-http' | 'function-url' | 'alb';

/**
 * An HTTP request that reached a Lambda function through API Gateway, an ALB or a function URL, as
 * the hooks see it. Tell it apart with `'lambdaEvent' in request`.
 */
export interface LambdaIncomingRequest {
  readonly source: LambdaHttpSource;
  /** From the event's `protocol` (`'HTTP/1.1'` → `'1.1'`), else `'1.1'`. */
  readonly httpVersion: string;
  readonly method: string;
  /** The path, with the query string. */
  readonly url: string;
  /** The request headers, names in lower case; a repeated header (`multiValueHeaders`) is an array. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /**
   * `remoteAddress` is the client's address as the front door saw it (what `trustIncoming`
   * checks): API Gateway's `requestContext.identity.sourceIp` (REST) or
   * `requestContext.http.sourceIp` (HTTP API, function URL); behind an ALB, the last
   * `X-Forwarded-For` entry, the one the ALB appended.
   */
  readonly socket: { readonly remoteAddress: string | undefined };
  /** The invocation's event, as the handler receives it. */
  readonly lambdaEvent: unknown;
}

/** The request a hook receives: an `http`/`https` `IncomingMessage`, an HTTP/2 request, or a Lambda HTTP event. */
export type IncomingRequest = IncomingMessage | Http2IncomingRequest | LambdaIncomingRequest;

/**
 * A hook on a request. Written as a method so that a hook typed on `IncomingMessage` alone, as
 * before HTTP/2 was covered, still compiles; on HTTP/2 it receives an {@link Http2IncomingRequest}.
 */
export type RequestPredicate = { hook(request: IncomingRequest): boolean }['hook'];

/**
 * Selects requests. A string is a path prefix that matches whole segments (`/api` matches
 * `/api` and `/api/users`, not `/apix`); a RegExp is tested against the path without the query;
 * a function receives the request.
 */
export type RequestMatcher = string | RegExp | RequestPredicate;

/** Which incoming IDs are reused. Untrusted requests always get a fresh ID. */
export type TrustIncoming = boolean | readonly string[] | RequestPredicate;

/** What an incoming ID must look like to be reused and echoed. */
export interface IncomingValidation {
  /** Shortest accepted ID. Default `1`. */
  minLength?: number;
  /** Longest accepted ID. Default `200` (Heroku's limit). */
  maxLength?: number;
  /** Every accepted ID matches this. Default `/^[A-Za-z0-9_@+\/=-]+$/` (Heroku's and Rails' characters). */
  pattern?: RegExp;
}

/** A per-route rule, as APISIX's route-level plugin next to its global rule. */
export interface RequestIdRule {
  /** The requests this rule applies to. An array matches when any entry matches. */
  match: RequestMatcher | readonly RequestMatcher[];
  /** Header for this rule's ID. Default: the instrumentation's `headerName`. */
  headerName?: string;
  /** Echo this rule's ID in the response. Default: the instrumentation's `includeInResponse`. */
  includeInResponse?: boolean;
  /** Generator for this rule. Default: the instrumentation's `algorithm`. */
  algorithm?: RequestIdAlgorithm;
  /** `range_id` settings for this rule. Default: the instrumentation's `rangeId`. */
  rangeId?: RangeIdOptions;
  /** Span attribute for this rule's ID. Default: `attributeName` for the same header, else `<attributeName>.<header in lower case>`. */
  attributeName?: string;
}

export interface RequestIdInstrumentationConfig extends InstrumentationConfig {
  /** Header that carries the request ID, read from the request and echoed in the response; matched case-insensitively. Default `'X-Request-Id'`. */
  headerName?: string;
  /** Echo the ID in the response header. Default `true`. */
  includeInResponse?: boolean;
  /** How new IDs are made: `'uuid'` (v4, default), `'uuidv7'`, `'nanoid'`, `'range_id'`, `'ksuid'`, `'trace_id'` (the request's trace ID), or a function. */
  algorithm?: RequestIdAlgorithm;
  /** `range_id` settings: `charSet` (at least 6 distinct printable ASCII characters, default the 62 alphanumerics) and `length` (at least 6, default 16). */
  rangeId?: RangeIdOptions;
  /** Span attribute (a plain string) that holds the ID on the SERVER span. Default `'request.id'`. */
  attributeName?: string;
  /** Span attribute that keeps a rejected or untrusted incoming value, escaped and cut to 256 characters. Default `'<attributeName>.original'`. */
  originalAttributeName?: string;
  /** Limits an incoming ID must meet to be reused. */
  validation?: IncomingValidation;
  /** Reuse incoming IDs from everyone (`true`, default), nobody (`false`), these peer addresses or CIDRs, or when the function says so. */
  trustIncoming?: TrustIncoming;
  /** Per-route rules applied on top of the global one; a rule with another header adds a second ID. */
  rules?: readonly RequestIdRule[];
  /** Requests left untouched: no ID, no header, no attribute (health checks). */
  ignore?: RequestMatcher | readonly RequestMatcher[];
  /** Outgoing `http`, `https` and `fetch` calls that carry the ID: all (`true`, default), none, these hosts, or when the function says so. */
  propagateTo?: PropagateTo;
  /** Record the request IDs of AWS responses (`aws.request_id`, `aws.extended_request_id`, …) on the CLIENT spans of outgoing calls and as `aws.call` events on the SERVER span. Default `true`. */
  captureAwsRequestIds?: boolean;
  /** Record the request IDs of the other built-in vendors (OpenAI, Anthropic, Stripe, GitHub, Azure, Twilio, Cloudflare, Slack, Shopify) from their hosts, and a downstream's echo of our header when it differs from the ID we sent: all (`true`, default), none, or only the vendors named (`'downstream'` is the echo). */
  captureVendorRequestIds?: boolean | readonly VendorName[];
  /** Vendors of your own, recorded like the built-in ones: `{ name, hosts, headers, attributeName? }`. Default none. */
  customVendors?: readonly CustomVendor[];
  /** A trusted incoming ID of 32 hex characters or a UUID becomes the trace ID of the request's trace, when no trace context came. Default `false`. */
  traceIdFromRequestId?: boolean;
  /** Send the SERVER span's trace context in every response: `'traceresponse'`, `'server-timing'`, `'both'`, or `false` (default: trace IDs stay private). */
  traceResponse?: TraceResponse;
}
