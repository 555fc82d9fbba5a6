import { portNumber, portOf, splitAuthority, validPort, type OutgoingDestination } from '../http/destination';
import type { PropagateTo } from '../types';
import { RequestIdConfigError } from '../errors';
import { hostPatternTest } from '../http/host-pattern';

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
    const test = hostPatternTest(entry);
    return (d) => test(d.hostname);
  }
  if (typeof entry !== 'string' || entry.length === 0 || /[\s/]/.test(entry)) {
    throw new RequestIdConfigError(option, entry, EXPECTED);
  }
  // The destination parser of every transport (http/destination.ts): `host`, `host:port`,
  // `[v6]:port`; an entry with a port matches a call without one on that scheme's default port.
  // Anything else (`foo:bar`, `*.`, `host:0`) is refused: an entry that can match nothing is a typo.
  const lower = entry.toLowerCase();
  const split = splitAuthority(lower);
  const port = split?.port === undefined ? undefined : (portNumber(split.port) ?? NaN);
  const host = split?.host ?? '';
  if (host === '' || host === '*.' || (host.includes('*') && !/^\*\.[^*]+$/.test(host)) || (port !== undefined && !validPort(port))) {
    throw new RequestIdConfigError(option, entry, EXPECTED);
  }
  const hostMatches = hostPatternTest(host);
  return (d) => hostMatches(d.hostname.toLowerCase()) && (port === undefined || portOf(d) === port);
}
