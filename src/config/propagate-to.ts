import { RequestIdConfigError } from './errors';

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
    const re = entry.global || entry.sticky ? new RegExp(entry.source, entry.flags.replace(/[gy]/g, '')) : entry;
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

/**
 * The `propagateTo` policies of this process's enabled RequestIdInstrumentations, read live (a
 * `setConfig` takes effect). RequestIdPropagator asks them about carriers that name no
 * destination (gRPC metadata, Kafka headers, SQS attributes): `false` everywhere means the ID
 * leaves the process nowhere. Symbol.for: shared by every copy of this package.
 */
const POLICIES = Symbol.for('@rid/otel.propagate-to-policies');
type GlobalWithPolicies = typeof globalThis & { [POLICIES]?: Set<() => DestinationPolicy> };
const policies: Set<() => DestinationPolicy> = ((globalThis as GlobalWithPolicies)[POLICIES] ??= new Set());

export function addPolicySource(source: () => DestinationPolicy): void {
  policies.add(source);
}

export function removePolicySource(source: () => DestinationPolicy): void {
  policies.delete(source);
}

/**
 * Whether a carrier with no destination may carry the ID: yes, unless every enabled
 * instrumentation says `propagateTo: false`. A list or a function cannot judge a carrier without a
 * host, and non-HTTP carriers go to the app's own brokers and services (README, "propagateTo").
 */
export function mayCarryWithoutDestination(): boolean {
  if (policies.size === 0) return true;
  for (const policy of policies) if (policy() !== false) return true;
  return false;
}

/** Parses an origin such as `https://api.example.com:8443` (what undici reports). */
export function destinationFromOrigin(origin: string): OutgoingDestination {
  const url = new URL(origin);
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { protocol: url.protocol, hostname, port: url.port === '' ? undefined : Number(url.port) };
}
