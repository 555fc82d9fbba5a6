import type { DestinationPolicy } from '../config/propagate-to';
import { PROPAGATE_TO_POLICIES, sharedSlot } from '../cross-copy-keys';

/**
 * The `propagateTo` policies of this process's enabled RequestIdInstrumentations, read live (a
 * `setConfig` takes effect). RequestIdPropagator asks them about carriers that name no
 * destination (gRPC metadata, Kafka headers, SQS attributes): `false` everywhere means the ID
 * leaves the process nowhere. Shared by every copy of this package: a Set, the shape released
 * copies read (an array registry would need a new key, and an older copy's propagator would then
 * miss a newer copy's `propagateTo: false`: fail open). Read per carrier without a destination, not per request.
 */
const policies: Set<() => DestinationPolicy> = sharedSlot(PROPAGATE_TO_POLICIES, () => new Set());

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
