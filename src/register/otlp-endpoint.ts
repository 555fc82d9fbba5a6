/**
 * Where the OTLP trace exporter sends, resolved from the environment the way the exporter itself
 * resolves it, so that what we print and probe is what it uses.
 */
import type { Warn } from './env-config';
import { envWarningLine } from './env-warning';
import { defaultPort, unbracketHost } from '../http/destination';

export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

export interface TcpTarget {
  host: string;
  port: number;
}

/** Where the exporter sends, and whether a variable was rejected (then the exporter must be told: it would not reject it itself). */
export interface ResolvedEndpoint {
  endpoint: string;
  rejected: boolean;
}

const SPECIFIC = 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT';
const GENERAL = 'OTEL_EXPORTER_OTLP_ENDPOINT';

/**
 * HTTP: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as given, else `OTEL_EXPORTER_OTLP_ENDPOINT` with
 * `/v1/traces` added, else `http://localhost:4318/v1/traces`. gRPC: either variable as given,
 * else `http://localhost:4317`.
 */
export function otlpTracesEndpoint(protocol: OtlpProtocol, env: NodeJS.ProcessEnv = process.env): string {
  return resolveOtlpTracesEndpoint(protocol, env).endpoint;
}

/**
 * The same, with one line for each variable that is set but is not an endpoint: for HTTP, an
 * `http:` or `https:` URL (the exporter skips one it cannot parse, but would take `ftp://x` and
 * fail at every export); for gRPC, such a URL, a bare `host:port`, or a `unix:` socket (the gRPC
 * exporter throws on `not a url` at its first export).
 */
export function resolveOtlpTracesEndpoint(protocol: OtlpProtocol, env: NodeJS.ProcessEnv, warn?: Warn): ResolvedEndpoint {
  const grpc = protocol === 'grpc';
  const fallback = grpc ? 'http://localhost:4317' : 'http://localhost:4318/v1/traces';
  const fromSpecific = (value: string): string | undefined => (grpc ? (grpcTarget(value) ? value : undefined) : httpUrl(value));
  const fromGeneral = (value: string): string | undefined => (grpc ? fromSpecific(value) : httpUrl(value) && httpUrl(withPath(value)));
  const specific = nonBlank(env[SPECIFIC]);
  const general = nonBlank(env[GENERAL]);
  const specificUrl = specific === undefined ? undefined : fromSpecific(specific);
  const generalUrl = general === undefined ? undefined : fromGeneral(general);
  const endpoint = specificUrl ?? generalUrl ?? fallback;
  const expected = grpc ? 'an http:// or https:// URL, host:port, or unix:/path' : 'an http:// or https:// URL';
  const generalBad = general !== undefined && generalUrl === undefined;
  if (specific !== undefined && specificUrl === undefined) {
    const using = generalUrl !== undefined ? `${GENERAL} (${generalUrl})` : `the default (${fallback})`;
    warn?.(envWarningLine({ variable: SPECIFIC, value: env[SPECIFIC]!, expected, using, example: grpc ? 'http://collector:4317' : 'http://collector:4318/v1/traces' }));
  }
  if (generalBad) {
    const using = specificUrl !== undefined ? `${SPECIFIC} (${specificUrl}) for traces` : `the default (${fallback})`;
    warn?.(envWarningLine({ variable: GENERAL, value: env[GENERAL]!, expected, using, example: grpc ? 'http://collector:4317' : 'http://collector:4318' }));
  }
  return { endpoint, rejected: specificUrl === undefined && (specific !== undefined || generalBad) };
}

/** The host and port a connection to `endpoint` goes to; undefined for what is not TCP (a `unix:` socket). */
export function tcpTarget(endpoint: string): TcpTarget | undefined {
  // gRPC endpoints may be a bare `host:port`; the gRPC exporter reads those as https.
  const url = parsed(/^[\w]{1,8}:\/\//.test(endpoint) ? endpoint : `https://${endpoint}`);
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return undefined;
  const port = url.port === '' ? defaultPort(url.protocol) : Number(url.port);
  return { host: unbracketHost(url.hostname), port };
}

function withPath(base: string): string {
  return `${base.endsWith('/') ? base : `${base}/`}v1/traces`;
}

function nonBlank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** The URL as the HTTP exporter writes it, when it is an http: or https: one. */
function httpUrl(value: string): string | undefined {
  const url = parsed(value);
  return url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' ? url.toString() : undefined;
}

function grpcTarget(value: string): boolean {
  return /^unix:/.test(value) || tcpTarget(value) !== undefined;
}

function parsed(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
