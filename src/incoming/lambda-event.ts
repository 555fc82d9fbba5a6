import type { LambdaHttpSource, LambdaIncomingRequest } from '../types';

/**
 * Lambda events as AWS documents them, read without trusting their shape: an event is any JSON
 * a caller sent. HTTP-shaped events (API Gateway REST payload 1.0, HTTP API payload 2.0, function
 * URLs, ALB) become a {@link LambdaIncomingRequest}; the others are left to lambda-messages.ts.
 */

/** A Lambda HTTP request with what the adapter needs beside what the hooks see. */
export interface LambdaHttpRequest extends LambdaIncomingRequest {
  /** How many values each repeated header had (payload 1.0 and ALB `multiValueHeaders`). */
  readonly counts: Readonly<Record<string, number>>;
  /** The event came with `multiValueHeaders` only (an ALB target group with multi-value headers on): answers must use them too. */
  readonly multiValueOnly: boolean;
  /** The AWS IDs of this invocation the client or the front door knows it by, as span attributes. */
  readonly awsIds: Record<string, string>;
}

/** `requestContext.requestId` of API Gateway: what the client received as `x-amzn-RequestId` (REST) or `apigw-requestid` (HTTP API). */
const ATTR_APIGW_REQUEST_ID = 'rid.aws.apigw.request_id';
/** `requestContext.extendedRequestId` of a REST API: the client's `x-amz-apigw-id`, the name a CLIENT span gives it. */
const ATTR_APIGW_EXTENDED_ID = 'rid.aws.apigw_id';
/** `requestContext.requestId` of a function URL: the client's `x-amzn-RequestId`. */
const ATTR_FUNCTION_URL_REQUEST_ID = 'rid.aws.function_url.request_id';
/** The `X-Amzn-Trace-Id` an ALB adds to every request it forwards (its access logs show it). */
const ATTR_ALB_TRACE_ID = 'rid.aws.alb.trace_id';

type Json = Record<string, unknown>;

/** The HTTP request an event carries, or `undefined` for other events (queues, schedules, direct calls). */
export function httpRequestOf(event: unknown): LambdaHttpRequest | undefined {
  if (!isObject(event) || !isObject(event.requestContext)) return undefined;
  const rc = event.requestContext;
  if (event.version === '2.0' && isObject(rc.http)) return payload2(event, rc, rc.http);
  if (typeof event.httpMethod !== 'string') return undefined;
  if (isObject(rc.elb)) return alb(event);
  if (rc.requestId !== undefined) return payload1(event, rc);
  return undefined;
}

/** API Gateway REST (and HTTP API with payload 1.0): `headers` and `multiValueHeaders` both, names as the client sent them. */
function payload1(event: Json, rc: Json): LambdaHttpRequest {
  const { headers, counts } = headersOf(event);
  const identity = isObject(rc.identity) ? rc.identity : {};
  const awsIds: Record<string, string> = {};
  if (typeof rc.requestId === 'string') awsIds[ATTR_APIGW_REQUEST_ID] = rc.requestId;
  if (typeof rc.extendedRequestId === 'string') awsIds[ATTR_APIGW_EXTENDED_ID] = rc.extendedRequestId;
  return {
    source: 'api-gateway-rest',
    httpVersion: versionOf(rc.protocol),
    method: event.httpMethod as string,
    url: withQuery(stringOr(event.path, '/'), queryOf(event)),
    headers,
    counts,
    socket: { remoteAddress: stringOr(identity.sourceIp, undefined) },
    multiValueOnly: false,
    awsIds,
    lambdaEvent: event,
  };
}

/** HTTP API payload 2.0 and function URLs: names in lower case, a repeated header joined with commas. */
function payload2(event: Json, rc: Json, http: Json): LambdaHttpRequest {
  const { headers, counts } = headersOf(event);
  // Payload 2.0 joins a repeated header with commas and keeps no count: a comma may mean two (fail closed).
  for (const key in headers) if ((headers[key] as string).includes(',')) counts[key] = 2;
  const functionUrl = typeof rc.domainName === 'string' && rc.domainName.includes('.lambda-url.');
  const source: LambdaHttpSource = functionUrl ? 'function-url' : 'api-gateway-http';
  const awsIds: Record<string, string> = {};
  if (typeof rc.requestId === 'string') awsIds[functionUrl ? ATTR_FUNCTION_URL_REQUEST_ID : ATTR_APIGW_REQUEST_ID] = rc.requestId;
  return {
    source,
    httpVersion: versionOf(http.protocol),
    method: stringOr(http.method, 'GET'),
    url: withQuery(stringOr(event.rawPath, stringOr(http.path, '/')), stringOr(event.rawQueryString, '')),
    headers,
    counts,
    socket: { remoteAddress: stringOr(http.sourceIp, undefined) },
    multiValueOnly: false,
    awsIds,
    lambdaEvent: event,
  };
}

/** An ALB target: `headers`, or `multiValueHeaders` alone when the target group has multi-value headers on. No source address field. */
function alb(event: Json): LambdaHttpRequest {
  const { headers, counts } = headersOf(event);
  const awsIds: Record<string, string> = {};
  const traceId = first(headers['x-amzn-trace-id']);
  if (traceId !== undefined) awsIds[ATTR_ALB_TRACE_ID] = traceId;
  return {
    source: 'alb',
    httpVersion: '1.1',
    method: event.httpMethod as string,
    url: withQuery(stringOr(event.path, '/'), queryOf(event)),
    headers,
    counts,
    socket: { remoteAddress: lastForwardedFor(headers['x-forwarded-for']) },
    multiValueOnly: isObject(event.multiValueHeaders) && !isObject(event.headers),
    awsIds,
    lambdaEvent: event,
  };
}

/** One lower-case map of both header fields; `multiValueHeaders` wins, as API Gateway documents. */
function headersOf(event: Json): { headers: Record<string, string | string[]>; counts: Record<string, number> } {
  const headers: Record<string, string | string[]> = {};
  const counts: Record<string, number> = {};
  if (isObject(event.headers)) {
    for (const name in event.headers) {
      const value = event.headers[name];
      if (typeof value === 'string') headers[name.toLowerCase()] = value;
    }
  }
  if (isObject(event.multiValueHeaders)) {
    for (const name in event.multiValueHeaders) {
      const values = event.multiValueHeaders[name];
      if (!Array.isArray(values)) continue;
      const strings = values.filter((v): v is string => typeof v === 'string');
      if (strings.length === 0) continue;
      const key = name.toLowerCase();
      headers[key] = strings.length === 1 ? strings[0] : strings;
      counts[key] = strings.length;
    }
  }
  return { headers, counts };
}

function queryOf(event: Json): string {
  const multi = event.multiValueQueryStringParameters;
  const single = event.queryStringParameters;
  const params = new URLSearchParams();
  if (isObject(multi)) {
    for (const key in multi) for (const v of Array.isArray(multi[key]) ? multi[key] : []) if (typeof v === 'string') params.append(key, v);
  } else if (isObject(single)) {
    for (const key in single) if (typeof single[key] === 'string') params.append(key, single[key]);
  }
  return params.toString();
}

function withQuery(path: string, query: string): string {
  return query === '' ? path : `${path}?${query}`;
}

/** `'HTTP/1.1'` → `'1.1'`. */
function versionOf(protocol: unknown): string {
  return typeof protocol === 'string' && protocol.startsWith('HTTP/') ? protocol.slice(5) : '1.1';
}

function lastForwardedFor(value: string | string[] | undefined): string | undefined {
  const joined = Array.isArray(value) ? value.join(',') : value;
  if (joined === undefined) return undefined;
  const last = joined.slice(joined.lastIndexOf(',') + 1).trim();
  return last === '' ? undefined : last;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function stringOr<T extends string | undefined>(value: unknown, fallback: T): string | T {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
