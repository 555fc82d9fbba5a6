/**
 * Where the OTLP trace exporter sends, resolved from the environment the way the exporter itself
 * resolves it, so that what we print and probe is what it uses.
 */
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

export interface TcpTarget {
  host: string;
  port: number;
}

/**
 * HTTP: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as given, else `OTEL_EXPORTER_OTLP_ENDPOINT` with
 * `/v1/traces` added, else `http://localhost:4318/v1/traces`. gRPC: either variable as given,
 * else `http://localhost:4317`.
 */
export function otlpTracesEndpoint(protocol: OtlpProtocol, env: NodeJS.ProcessEnv = process.env): string {
  const specific = nonBlank(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  const general = nonBlank(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (protocol === 'grpc') return specific ?? general ?? 'http://localhost:4317';
  const fromSpecific = specific !== undefined && parses(specific) ? new URL(specific).toString() : undefined;
  const fromGeneral = general !== undefined && parses(general) && parses(withPath(general)) ? withPath(general) : undefined;
  return fromSpecific ?? fromGeneral ?? 'http://localhost:4318/v1/traces';
}

/** The host and port a connection to `endpoint` goes to; undefined for what is not TCP (a `unix:` socket). */
export function tcpTarget(endpoint: string): TcpTarget | undefined {
  // gRPC endpoints may be a bare `host:port`; the gRPC exporter reads those as https.
  const url = parsed(/^[\w]{1,8}:\/\//.test(endpoint) ? endpoint : `https://${endpoint}`);
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return undefined;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

function withPath(base: string): string {
  return `${base.endsWith('/') ? base : `${base}/`}v1/traces`;
}

function nonBlank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function parses(url: string): boolean {
  return parsed(url) !== undefined;
}

function parsed(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
