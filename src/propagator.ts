import { defaultTextMapGetter, defaultTextMapSetter, type Context, type TextMapGetter, type TextMapPropagator, type TextMapSetter } from '@opentelemetry/api';
import { DEFAULT_HEADER_NAME } from './config/compile-config';
import { mayCarryWithoutDestination } from './outgoing/policies';
import { REQUEST_ID_CONTEXT_KEY, standaloneState, stateOf, type RequestIdState } from './context/request-state';
import { RequestIdConfigError } from './config/errors';
import type { IncomingValidation } from './types';
import { compileValidation, isAcceptable, type ValidationPolicy } from './config/validation';
import { DECISION, INJECTED } from './cross-copy-keys';

export interface RequestIdPropagatorConfig {
  /** Carrier key for the ID; HTTP-style carriers match it case-insensitively. Default `'X-Request-Id'`. */
  headerName?: string;
  /** The same limits as the instrumentation's `validation`, applied by `extract`. */
  validation?: IncomingValidation;
  /** Also write a W3C baggage entry with this key (`true` means `'request.id'`), for services that read baggage but do not run this package. Default off. */
  baggage?: boolean | string;
}

/**
 * Decisions the server hook made, kept on the `request.headers` object HttpInstrumentation
 * extracts from: extract then agrees with what the handler sees (a generated ID, not the rejected
 * or untrusted incoming one). `null` marks an ignored request. A non-enumerable symbol property
 * rather than a WeakMap: a WeakMap entry per request doubled GC work (bench/README.md).
 */
type WithDecision = { [DECISION]?: RequestIdState | null };
let recordDecisions = false;

/** Called by the server hooks (the request's headers object is the carrier extract gets); free until a RequestIdPropagator exists. */
export function recordDecision(request: { headers: object }, state: RequestIdState | null): void {
  if (recordDecisions) Object.defineProperty(request.headers, DECISION, { value: state, configurable: true, writable: true });
}

/**
 * What inject wrote into a headers object, kept on it (non-enumerable, so no transport sends it).
 * HTTP carriers name no destination either: the outgoing hooks, which see the destination right
 * after HttpInstrumentation injected, withdraw these values where `propagateTo` says no.
 */
export interface Injected {
  /** Our header, in lower case, and the ID written in it. */
  readonly key: string;
  readonly id: string;
  /** Whether a baggage entry with the ID was written too. */
  readonly baggage: boolean;
}
type HeaderObject = Record<string, unknown> & { [INJECTED]?: Injected };

/** What RequestIdPropagator wrote into this headers object, if anything. */
export function injectedInto(headers: unknown): Injected | undefined {
  return isHeaderObject(headers) ? headers[INJECTED] : undefined;
}

function markInjected(headers: HeaderObject, injected: Injected): void {
  try {
    Object.defineProperty(headers, INJECTED, { value: injected, configurable: true, writable: true });
  } catch {
    // A non-extensible carrier: nothing to withdraw later, since no HTTP hook will read it.
  }
}

/** A plain object of headers (HttpInstrumentation's and undici-instrumentation's carriers), not a Metadata-like class. */
function isHeaderObject(carrier: unknown): carrier is HeaderObject {
  if (typeof carrier !== 'object' || carrier === null || Array.isArray(carrier)) return false;
  const proto = Object.getPrototypeOf(carrier);
  return proto === Object.prototype || proto === null;
}

function hasKey(headers: HeaderObject, key: string): boolean {
  for (const name in headers) if (name.length === key.length && name.toLowerCase() === key) return true;
  return false;
}

/**
 * Carries the request ID through any transport whose OTel instrumentation propagates context:
 * HTTP, fetch, gRPC metadata, Kafka and AMQP headers, SQS message attributes. Put it in a
 * composite propagator next to W3C trace context and baggage.
 */
export class RequestIdPropagator implements TextMapPropagator {
  private readonly key: string;
  private readonly validation: ValidationPolicy;
  private readonly baggageKey: string | undefined;

  constructor(config: RequestIdPropagatorConfig = {}) {
    const headerName = config.headerName ?? DEFAULT_HEADER_NAME;
    if (typeof headerName !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(headerName)) {
      throw new RequestIdConfigError('headerName', headerName, 'a valid HTTP header name (RFC 9110 token)');
    }
    this.key = headerName.toLowerCase();
    this.validation = compileValidation(config.validation);
    if (config.baggage !== undefined && typeof config.baggage !== 'boolean' && (typeof config.baggage !== 'string' || config.baggage === '')) {
      throw new RequestIdConfigError('baggage', config.baggage, 'true, false, or a non-empty baggage key');
    }
    this.baggageKey = config.baggage === true ? 'request.id' : config.baggage || undefined;
    recordDecisions = true;
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter = defaultTextMapSetter): void {
    const state = stateOf(context);
    if (state === undefined || !mayCarryWithoutDestination()) return;
    const headers = isHeaderObject(carrier) ? carrier : undefined;
    // A header the app set on the call wins (HttpInstrumentation's carrier is a copy of the app's headers).
    if (headers !== undefined && hasKey(headers, this.key)) return;
    const id = state.byHeader[this.key] ?? state.id;
    setter.set(carrier, this.key, id);
    if (this.baggageKey !== undefined) {
      // Merge with a baggage header already written (put this propagator after W3C baggage).
      const existing = headers?.baggage;
      const entry = `${encodeURIComponent(this.baggageKey)}=${encodeURIComponent(id)}`;
      setter.set(carrier, 'baggage', typeof existing === 'string' && existing !== '' ? `${existing},${entry}` : entry);
    }
    if (headers !== undefined) markInjected(headers, { key: this.key, id, baggage: this.baggageKey !== undefined });
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter = defaultTextMapGetter): Context {
    if (typeof carrier === 'object' && carrier !== null) {
      const known = (carrier as WithDecision)[DECISION];
      if (known !== undefined) return known === null ? context : context.setValue(REQUEST_ID_CONTEXT_KEY, known);
    }
    const raw = getter.get(carrier, this.key);
    const value = Array.isArray(raw) ? (raw.length === 1 ? raw[0] : undefined) : raw;
    if (typeof value !== 'string' || !isAcceptable(value, this.validation)) return context;
    return context.setValue(REQUEST_ID_CONTEXT_KEY, standaloneState(value));
  }

  fields(): string[] {
    return this.baggageKey === undefined ? [this.key] : [this.key, 'baggage'];
  }
}
