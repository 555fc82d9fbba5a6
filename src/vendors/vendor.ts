import type { HostPattern } from '../http/host-pattern';

/**
 * A vendor whose responses carry the IDs its support asks for: one file per vendor in `vendors/`,
 * as instrumentation-aws-sdk keeps one file per service. An entry is data only (hosts, headers,
 * attribute and event names); host-table.ts compiles the enabled entries into one table per
 * destination host, and response-headers.ts scans each response against that table, whatever the
 * transport. A new vendor is a new file and a line in vendors/index.ts; a new transport touches no vendor.
 */

/** One ID of a vendor: the span attribute, and the response headers that carry it. */
interface VendorId {
  /** The span attribute (a plain string). */
  readonly attribute: string;
  /** Response header names in lower case, most preferred first: the first one the response has wins. */
  readonly headers: readonly string[];
}

/** Which destination hosts a vendor's headers are read from (http/host-pattern.ts): `api.openai.com`, `*.stripe.com`, a RegExp, `'*'`. */
export type { HostPattern } from '../http/host-pattern';

export interface ResponseIdVendor {
  /** Lower-case identifier: `openai`. It names the `rid.<name>.*` attributes and events. */
  readonly name: string;
  /** The hosts its responses come from. */
  readonly hosts: readonly HostPattern[];
  /**
   * Record its headers from any host, listed or not. Only for header names that nobody else sends
   * (`x-amz-*`, `x-ms-*`, `x-github-*`): a generic one (`request-id`, `x-request-id`) is read from
   * the listed hosts only.
   */
  readonly anyHost: boolean;
  readonly ids: readonly VendorId[];
  /** The event added to the incoming request's SERVER span once per response with its IDs. */
  readonly callEvent: string;
  /** On the SERVER span: how many call events were left off past `maxCallEvents`. */
  readonly droppedCallsAttribute: string;
  readonly maxCallEvents: number;
  /** The name of the INTERNAL span we make for its fetch responses when another instrumentation owns the CLIENT span. */
  readonly responseSpanName: string;
  /** The vendor SDK's own instrumentation, whose operation spans get the IDs too (AWS: instrumentation-aws-sdk). */
  readonly sdk?: {
    /** Its instrumentation scope. */
    readonly scope: string;
    /** A request header only this SDK sends: the call is an SDK attempt. */
    readonly requestHeader: string;
  };
  /** The downstream echo of our own header (vendors/downstream.ts): recorded only when it differs from what we sent. */
  readonly echo?: boolean;
}

/** At most this many call events per vendor per incoming request. */
export const MAX_CALL_EVENTS = 32;

/**
 * A vendor outside the semantic conventions: every name under this package's `rid.<name>.` prefix,
 * so that no convention can clash with it. `ids` maps an attribute suffix to its header(s).
 */
export function ridVendor(
  name: string,
  hosts: readonly HostPattern[],
  anyHost: boolean,
  ids: Record<string, string | readonly string[]>,
): ResponseIdVendor {
  return {
    name,
    hosts,
    anyHost,
    ids: Object.entries(ids).map(([suffix, headers]) => ({
      attribute: `rid.${name}.${suffix}`,
      headers: (typeof headers === 'string' ? [headers] : headers).map((h) => h.toLowerCase()),
    })),
    callEvent: `rid.${name}.call`,
    droppedCallsAttribute: `rid.${name}.calls.dropped`,
    maxCallEvents: MAX_CALL_EVENTS,
    responseSpanName: `rid.${name}.response`,
  };
}
