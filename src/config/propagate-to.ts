import { RequestIdConfigError } from './errors';
import { statelessRegExp } from './regexp';

/** Where an outgoing call goes, as `propagateTo` sees it. */
export interface OutgoingDestination {
  /** `'http:'` or `'https:'`. */
  protocol: string;
  /** Host name or address, without port or brackets. */
  hostname: string;
  /** The port, when the URL or options name one. */
  port?: number;
}

/** Which destinations get the request-ID header. */
export type PropagateTo =
  | boolean
  | readonly (string | RegExp)[]
  | ((destination: OutgoingDestination) => boolean);

/** May throw (user functions); callers guard it. `true` and `false` skip the per-call work. */
export type DestinationPolicy = boolean | ((destination: OutgoingDestination) => boolean);

const EXPECTED =
  'true (every destination, the default), false, an array of host names, "*.suffix" wildcards, "host:port" strings and RegExps (tested against the host name), or a function (destination) => boolean';

export function compilePropagateTo(value: PropagateTo | undefined): DestinationPolicy {
  if (value === undefined || value === true) return true;
  if (value === false) return false;
  if (typeof value === 'function') return (destination) => value(destination) === true;
  if (!Array.isArray(value)) throw new RequestIdConfigError('propagateTo', value, EXPECTED);
  const tests = (value as readonly unknown[]).map((entry, i) => compileEntry(`propagateTo[${i}]`, entry));
  return (destination) => tests.some((test) => test(destination));
}

function compileEntry(option: string, entry: unknown): (d: OutgoingDestination) => boolean {
  if (entry instanceof RegExp) {
    const re = statelessRegExp(entry);
    return (d) => re.test(d.hostname);
  }
  if (typeof entry !== 'string' || entry.length === 0 || /[\s/]/.test(entry)) {
    throw new RequestIdConfigError(option, entry, EXPECTED);
  }
  const lower = entry.toLowerCase();
  const colon = lower.lastIndexOf(':');
  const hasPort = colon !== -1 && /^\d+$/.test(lower.slice(colon + 1)) && !lower.includes('::');
  const host = hasPort ? lower.slice(0, colon) : lower;
  const port = hasPort ? Number(lower.slice(colon + 1)) : undefined;
  const hostMatches = host.startsWith('*.')
    ? (h: string) => h.endsWith(host.slice(1))
    : (h: string) => h === host;
  return (d) => hostMatches(d.hostname.toLowerCase()) && (port === undefined || d.port === port);
}
