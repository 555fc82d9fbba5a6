import type { DestinationPolicy } from '../config/propagate-to';

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
