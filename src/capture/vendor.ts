import type { Attributes } from '@opentelemetry/api';

/** The IDs one vendor put in one response. */
export interface ResponseIds {
  /** Records `value` for the header of `slot` (what the vendor's `slotOf` returned). */
  set(slot: number, value: string): void;
  /** The span attributes for these IDs. */
  toAttributes(): Attributes;
}

/**
 * A vendor whose responses carry the IDs its support asks for. One file per vendor in `vendors/`,
 * behind this interface, as instrumentation-aws-sdk keeps one file per service: the transport
 * adapters scan the headers as their transport hands them over (response-headers.ts) and ask the
 * vendor only about names, so a new vendor is a new file and a new transport touches no vendor.
 */
export interface ResponseIdVendor {
  /** A cheap pre-filter on a header name as sent (any case): false for nearly every name. */
  mayBeIdName(name: string): boolean;
  /** The same on a name as bytes (undici). */
  mayBeIdBytes(name: Uint8Array): boolean;
  /** The slot of a lower-case header name that passed the pre-filter, or -1. */
  slotOf(lowerName: string): number;
  /** An empty set of IDs, filled by `set(slot, value)`. */
  newIds(): ResponseIds;
  /** The event added to the SERVER span once per response with IDs. */
  readonly callEvent: string;
  /** On the SERVER span: how many call events were left off past `maxCallEvents`. */
  readonly droppedCallsAttribute: string;
  readonly maxCallEvents: number;
  /** The instrumentation scope that makes this vendor's SDK operation spans, which get the IDs too. */
  readonly sdkScope: string;
  /** A request header only this vendor's SDK sends: the call is an SDK attempt. */
  readonly sdkRequestHeader: string;
}
