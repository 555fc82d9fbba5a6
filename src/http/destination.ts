/**
 * The one parser of where an outgoing call goes, for every transport (`http`, `fetch`, HTTP/2) and
 * for the vendor capture: so that `propagateTo: ['localhost:80']` and a vendor's host list match
 * the same call the same way whichever client made it.
 */

/** Where an outgoing call goes, as `propagateTo` sees it. */
export interface OutgoingDestination {
  /** `'http:'` or `'https:'`. */
  protocol: string;
  /** Host name or address, without port or brackets. */
  hostname: string;
  /** The port the call connects to: the one the URL or options name, else the scheme's default (80, 443). */
  port?: number;
}

/** A host as a URL or a `Host` header writes it, without the brackets of an IPv6 literal (`[::1]` -> `::1`). */
export function unbracketHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** The default port of a scheme: 443 for `https:`, 80 otherwise (HTTP/1.1, h2c). */
export function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

/** A port as an authority writes it (1 to 5 digits) as a number; undefined for anything else. */
export function portNumber(port: string): number | undefined {
  return /^\d{1,5}$/.test(port) ? Number(port) : undefined;
}

/** A TCP port a span may name (`server.port`): an integer from 1 to 65535. */
export function validPort(port: number | undefined): port is number {
  return port !== undefined && Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** An authority split into its host (unbracketed) and the port as written (undefined when none is). */
export interface SplitAuthority {
  host: string;
  port: string | undefined;
}

/**
 * `host`, `host:port`, `[v6]`, `[v6]:port` (a URL's, a `Host`/`:authority` header's or a
 * `propagateTo` entry's form). An unbracketed IPv6 literal is a host without a port, unless
 * `portWritten` (Node's authority of an HTTP/2 session, `::1:8443`, always ends in the port).
 * Undefined when a bracket is not closed or something other than `:port` follows it.
 */
export function splitAuthority(authority: string, portWritten = false): SplitAuthority | undefined {
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    const rest = authority.slice(close + 1);
    if (close === -1 || (rest !== '' && !rest.startsWith(':'))) return undefined;
    return { host: authority.slice(1, close), port: rest === '' ? undefined : rest.slice(1) };
  }
  const colon = authority.lastIndexOf(':');
  if (colon === -1 || (!portWritten && authority.indexOf(':') !== colon)) return { host: authority, port: undefined };
  return { host: authority.slice(0, colon), port: authority.slice(colon + 1) };
}

/**
 * Where a call to `authority` over `protocol` goes, the port the scheme's default when none is
 * written: `http://localhost` and `http://localhost:80` are one destination. Undefined for an
 * empty host or a port that is not digits.
 */
export function parseAuthority(protocol: string, authority: string, portWritten = false): OutgoingDestination | undefined {
  const split = splitAuthority(authority, portWritten);
  return split === undefined ? undefined : destinationOf(protocol, split.host, split.port);
}

/**
 * A destination from its parts (an `http.request`'s `hostname`/`host` and `port`): the host in
 * lower case without brackets, the port the scheme's default when none is given. Undefined for an
 * empty host or a port that is not a number.
 */
export function destinationOf(protocol: string, host: string, port: number | string | undefined): OutgoingDestination | undefined {
  const hostname = unbracketHost(host).toLowerCase();
  if (hostname === '') return undefined;
  if (port === undefined || port === '') return { protocol, hostname, port: defaultPort(protocol) };
  const n = typeof port === 'number' ? port : portNumber(port);
  return n === undefined || Number.isNaN(n) ? undefined : { protocol, hostname, port: n };
}

/** An origin such as `https://api.example.com:8443` (what undici reports); undefined for a bad one. */
export function destinationFromOrigin(origin: string): OutgoingDestination | undefined {
  const start = origin.indexOf('//');
  if (start === -1) return undefined;
  let authority = origin.slice(start + 2);
  const slash = authority.indexOf('/');
  if (slash !== -1) authority = authority.slice(0, slash);
  const at = authority.lastIndexOf('@');
  if (at !== -1) authority = authority.slice(at + 1);
  return parseAuthority(origin.slice(0, start), authority);
}

/** The port a destination connects to: its own, else its scheme's default. */
export function portOf(destination: OutgoingDestination): number {
  return destination.port ?? defaultPort(destination.protocol);
}
