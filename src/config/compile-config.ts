import { RequestIdConfigError } from '../errors';
import { isToken } from '../http/token';
import { ALGORITHMS, createGenerator, isAlgorithmName, type IdGenerator } from '../generators';
import { compilePropagateTo, type DestinationPolicy } from './propagate-to';
import { compileMatchers, type CompiledMatcher } from './matchers';
import { compileTrust, type TrustPolicy } from './trust';
import type { Guard } from '../diag';
import type { RangeIdOptions, RequestIdAlgorithm, RequestIdInstrumentationConfig, RequestIdRule, TraceResponse } from '../types';
import { compileValidation, isAcceptable, type ValidationPolicy } from './validation';
import { compileVendorTable } from './vendors';
import type { VendorTable } from '../vendors/host-table';

export const DEFAULT_HEADER_NAME = 'X-Request-Id';
const DEFAULT_ATTRIBUTE_NAME = 'request.id';

/** One rule, ready for the request path: every default resolved, every user hook guarded. */
export interface CompiledRule {
  readonly headerName: string;
  /** `headerName` in lower case, as Node keys `request.headers`. */
  readonly headerKey: string;
  readonly includeInResponse: boolean;
  readonly generate: IdGenerator;
  /** `algorithm: 'trace_id'`: a new ID is the request's trace ID (incoming/trace-handle.ts). */
  readonly traceId: boolean;
  readonly attributeName: string;
  readonly originalAttributeName: string;
  /** Route rules only. */
  readonly match?: CompiledMatcher;
}

export interface CompiledConfig {
  readonly global: CompiledRule;
  /** `[global]`, kept so that requests without route rules allocate nothing. */
  readonly globalOnly: readonly CompiledRule[];
  readonly routes: readonly CompiledRule[];
  readonly validation: ValidationPolicy;
  readonly trust: TrustPolicy;
  readonly ignore?: CompiledMatcher;
  /** The headers sent on outgoing calls: the global one first, then each route rule's own. */
  readonly outgoing: readonly { readonly name: string; readonly key: string }[];
  readonly propagateTo: DestinationPolicy;
  readonly captureAwsRequestIds: boolean;
  /** The vendors whose response IDs are recorded (AWS included), or undefined when none is. */
  readonly vendorTable: VendorTable | undefined;
  /** A reused 32-hex or UUID incoming ID starts the request's trace. */
  readonly traceIdFromRequestId: boolean;
  /** The SERVER span's trace context in the response, or false. */
  readonly traceResponse: TraceResponse;
}

const TRACE_RESPONSES: readonly unknown[] = [false, 'traceresponse', 'server-timing', 'both'];

const ALGORITHM_VALUES = `one of ${ALGORITHMS.map((a) => `'${a}'`).join(', ')}, or a function () => string`;

/** Validates a user config and resolves every default. Throws RequestIdConfigError on the first bad option. */
export function compileConfig(config: RequestIdInstrumentationConfig, guard: Guard): CompiledConfig {
  if (config === null || typeof config !== 'object') {
    throw new RequestIdConfigError('config', config, 'an object of options, or nothing');
  }
  const validation = compileValidation(config.validation);
  const trust = compileTrust(config.trustIncoming);
  const ignore = config.ignore === undefined ? undefined : compileMatchers('ignore', config.ignore);

  const headerName = headerOption('headerName', config.headerName ?? DEFAULT_HEADER_NAME);
  const includeInResponse = booleanOption('includeInResponse', config.includeInResponse ?? true);
  const attributeName = stringOption('attributeName', config.attributeName ?? DEFAULT_ATTRIBUTE_NAME);
  const originalAttributeName = stringOption('originalAttributeName', config.originalAttributeName ?? `${attributeName}.original`);
  const algorithm = config.algorithm ?? 'uuid';
  const global: CompiledRule = {
    headerName,
    headerKey: headerName.toLowerCase(),
    includeInResponse,
    generate: compileGenerator('', algorithm, config.rangeId, validation, guard),
    traceId: algorithm === 'trace_id',
    attributeName,
    originalAttributeName,
  };

  if (config.rules !== undefined && !Array.isArray(config.rules)) {
    throw new RequestIdConfigError('rules', config.rules, 'an array of { match, headerName?, includeInResponse?, algorithm?, rangeId?, attributeName? }');
  }
  const routes = (config.rules ?? []).map((rule, i) => compileRule(`rules[${i}]`, rule, global, config, validation, guard));
  const outgoing: { name: string; key: string }[] = [];
  for (const rule of [global, ...routes]) {
    if (!outgoing.some((h) => h.key === rule.headerKey)) outgoing.push({ name: rule.headerName, key: rule.headerKey });
  }
  const propagateTo = compilePropagateTo(config.propagateTo);
  const captureAwsRequestIds = booleanOption('captureAwsRequestIds', config.captureAwsRequestIds ?? true);
  const vendorTable = compileVendorTable({
    captureAwsRequestIds,
    captureVendorRequestIds: config.captureVendorRequestIds,
    customVendors: config.customVendors,
    ourHeaders: outgoing.map((h) => h.key),
  });
  const traceIdFromRequestId = booleanOption('traceIdFromRequestId', config.traceIdFromRequestId ?? false);
  const traceResponse = config.traceResponse ?? false;
  if (!TRACE_RESPONSES.includes(traceResponse)) {
    throw new RequestIdConfigError('traceResponse', traceResponse, "one of 'traceresponse', 'server-timing', 'both', or false");
  }
  return {
    global,
    globalOnly: [global],
    routes,
    validation,
    trust,
    ignore,
    outgoing,
    propagateTo,
    captureAwsRequestIds,
    vendorTable,
    traceIdFromRequestId,
    traceResponse,
  };
}

function compileRule(
  prefix: string,
  rule: RequestIdRule,
  global: CompiledRule,
  config: RequestIdInstrumentationConfig,
  validation: ValidationPolicy,
  guard: Guard,
): CompiledRule {
  if (rule === null || typeof rule !== 'object' || rule.match === undefined) {
    throw new RequestIdConfigError(prefix, rule, 'an object with `match` and optional headerName, includeInResponse, algorithm, rangeId, attributeName');
  }
  const headerName = headerOption(`${prefix}.headerName`, rule.headerName ?? global.headerName);
  const headerKey = headerName.toLowerCase();
  const defaultAttribute = headerKey === global.headerKey ? global.attributeName : `${global.attributeName}.${headerKey}`;
  const attributeName = stringOption(`${prefix}.attributeName`, rule.attributeName ?? defaultAttribute);
  const inheritsGenerator = rule.algorithm === undefined && rule.rangeId === undefined;
  return {
    headerName,
    headerKey,
    includeInResponse: booleanOption(`${prefix}.includeInResponse`, rule.includeInResponse ?? global.includeInResponse),
    generate: inheritsGenerator
      ? global.generate
      : compileGenerator(`${prefix}.`, rule.algorithm ?? config.algorithm ?? 'uuid', rule.rangeId ?? config.rangeId, validation, guard),
    traceId: inheritsGenerator ? global.traceId : (rule.algorithm ?? config.algorithm) === 'trace_id',
    attributeName,
    originalAttributeName: `${attributeName}.original`,
    match: compileMatchers(`${prefix}.match`, rule.match),
  };
}

function compileGenerator(
  prefix: string,
  algorithm: RequestIdAlgorithm,
  rangeId: RangeIdOptions | undefined,
  validation: ValidationPolicy,
  guard: Guard,
): IdGenerator {
  if (typeof algorithm === 'function') return guardUserGenerator(prefix, algorithm, validation, guard);
  if (!isAlgorithmName(algorithm)) throw new RequestIdConfigError(`${prefix}algorithm`, algorithm, ALGORITHM_VALUES);
  if (rangeId !== undefined && algorithm !== 'range_id') {
    throw new RequestIdConfigError(`${prefix}rangeId`, rangeId, `no rangeId unless algorithm is 'range_id' (algorithm is '${algorithm}')`);
  }
  let generate: IdGenerator;
  try {
    generate = createGenerator(algorithm, rangeId);
  } catch (err) {
    // The generators name their own options; put them under this rule's prefix.
    throw err instanceof RequestIdConfigError && prefix !== '' ? err.prefixed(prefix) : err;
  }
  // Our own IDs must pass our own validation, or every service downstream would replace them.
  // 64 samples, not one: a pattern that only some IDs pass (`5` passes ~86 % of uuids) must be
  // refused every time, not at random (odds of 64 lucky samples: 0.86^64, about 6e-5).
  let sample = generate();
  for (let i = 1; i < 64 && isAcceptable(sample, validation); i++) sample = generate();
  if (!isAcceptable(sample, validation)) {
    throw new RequestIdConfigError(
      `${prefix}algorithm`,
      algorithm,
      `an algorithm whose IDs pass \`validation\` (a generated ID ${JSON.stringify(sample.length > 100 ? `${sample.slice(0, 100)}…` : sample)} does not: widen validation.pattern or validation.maxLength, or choose another algorithm)`,
    );
  }
  return generate;
}

/** A user generator cannot break a request: a throw or a bad value falls back to uuid, reported once. */
function guardUserGenerator(prefix: string, fn: () => string, validation: ValidationPolicy, guard: Guard): IdGenerator {
  const fallback = createGenerator('uuid');
  return () => {
    let value: unknown;
    try {
      value = fn();
    } catch (err) {
      guard.report(`${prefix}algorithm:throw`, `the ${prefix}algorithm function threw; using a uuid instead`, err);
      return fallback();
    }
    if (typeof value === 'string' && isAcceptable(value, validation)) return value;
    guard.report(
      `${prefix}algorithm:invalid`,
      `the ${prefix}algorithm function returned ${describeValue(value)}, which fails \`validation\`; using a uuid instead`,
    );
    return fallback();
  };
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  return value === null ? 'null' : typeof value;
}

function headerOption(option: string, value: unknown): string {
  if (!isToken(value)) {
    throw new RequestIdConfigError(option, value, 'a valid HTTP header name (RFC 9110 token: letters, digits and !#$%&\'*+.^_`|~-)');
  }
  return value;
}

function booleanOption(option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new RequestIdConfigError(option, value, 'true or false');
  return value;
}

function stringOption(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new RequestIdConfigError(option, value, 'a non-empty string');
  return value;
}

/** The processors' `attributeName` (span and log record): `'request.id'` by default, else a non-empty string. Throws naming the option. */
export function processorAttributeName(config: { attributeName?: string }): string {
  return stringOption('attributeName', config.attributeName ?? DEFAULT_ATTRIBUTE_NAME);
}
