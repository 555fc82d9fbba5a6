import type { Warn } from './env-config';
import { integerFromEnv, type IntegerVariable } from './env-integer';

export interface SpanLimitsFromEnv {
  attributeCountLimit?: number;
  attributeValueLengthLimit?: number;
  eventCountLimit?: number;
  linkCountLimit?: number;
  attributePerEventCountLimit?: number;
  attributePerLinkCountLimit?: number;
}

const limit = (variable: string, fallback: number): IntegerVariable => ({
  variable,
  min: 0,
  max: Number.MAX_SAFE_INTEGER,
  fallback,
  fallbackText: fallback === Infinity ? 'no limit' : String(fallback),
  example: fallback === Infinity ? '4096' : String(fallback),
});

// The spec's defaults: 128 of each count, no limit on value length. Names as sdk-node reads them.
const SPAN_ATTRIBUTE_COUNT = limit('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', 128);
const ATTRIBUTE_COUNT = limit('OTEL_ATTRIBUTE_COUNT_LIMIT', 128);
const SPAN_VALUE_LENGTH = limit('OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', Infinity);
const VALUE_LENGTH = limit('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', Infinity);
const EVENT_COUNT = limit('OTEL_SPAN_EVENT_COUNT_LIMIT', 128);
const LINK_COUNT = limit('OTEL_SPAN_LINK_COUNT_LIMIT', 128);
const PER_EVENT = limit('OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT', 128);
const PER_LINK = limit('OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT', 128);

/** Every variable read here, for the tests. */
export const SPAN_LIMIT_VARIABLES = [SPAN_ATTRIBUTE_COUNT, ATTRIBUTE_COUNT, SPAN_VALUE_LENGTH, VALUE_LENGTH, EVENT_COUNT, LINK_COUNT, PER_EVENT, PER_LINK].map(
  (v) => v.variable,
);

/**
 * The span limits of the environment, as sdk-node reads them (create-from-env.ts), each a whole
 * number ≥ 0 or, when bad, the spec's default with one line. Unset ones are left to the SDK.
 */
export function spanLimitsFromEnv(env: NodeJS.ProcessEnv, warn: Warn): SpanLimitsFromEnv {
  const read = (spec: IntegerVariable): number | undefined => integerFromEnv(env, spec, warn);
  const general = { count: read(ATTRIBUTE_COUNT), length: read(VALUE_LENGTH) };
  return {
    attributeCountLimit: read(SPAN_ATTRIBUTE_COUNT) ?? general.count,
    attributeValueLengthLimit: read(SPAN_VALUE_LENGTH) ?? general.length,
    eventCountLimit: read(EVENT_COUNT),
    linkCountLimit: read(LINK_COUNT),
    attributePerEventCountLimit: read(PER_EVENT),
    attributePerLinkCountLimit: read(PER_LINK),
  };
}
