import type { OutgoingDestination } from '../config/propagate-to';

/** A host as a URL or a `Host` header writes it, without the brackets of an IPv6 literal (`[::1]` -> `::1`). */
export function unbracketHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Parses an origin such as `https://api.example.com:8443` (what undici reports). Throws on a bad one. */
export function destinationFromOrigin(origin: string): OutgoingDestination {
  const url = new URL(origin);
  return { protocol: url.protocol, hostname: unbracketHost(url.hostname), port: url.port === '' ? undefined : Number(url.port) };
}

/** The port a destination connects to: its own, else its scheme's default. */
export function portOf(destination: OutgoingDestination): number {
  return destination.port ?? (destination.protocol === 'https:' ? 443 : 80);
}
