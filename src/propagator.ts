import type { IncomingMessage } from 'node:http';
import { defaultTextMapGetter, defaultTextMapSetter, type Context, type TextMapGetter, type TextMapPropagator, type TextMapSetter } from '@opentelemetry/api';
import { DEFAULT_HEADER_NAME } from './config';
import { REQUEST_ID_CONTEXT_KEY, standaloneState, stateOf, type RequestIdState } from './context';
import { RequestIdConfigError } from './errors';
import type { IncomingValidation } from './types';
import { compileValidation, isAcceptable, type ValidationPolicy } from './validation';

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
const DECISION = Symbol.for('@rid/otel.decision');
type WithDecision = { [DECISION]?: RequestIdState | null };
let recordDecisions = false;

/** Called by the server hook; free until a RequestIdPropagator exists. */
export function recordDecision(request: IncomingMessage, state: RequestIdState | null): void {
  if (recordDecisions) Object.defineProperty(request.headers, DECISION, { value: state, configurable: true, writable: true });
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
    if (state === undefined) return;
    const id = state.byHeader[this.key] ?? state.id;
    setter.set(carrier, this.key, id);
    if (this.baggageKey !== undefined) {
      // Merge with a baggage header already written (put this propagator after W3C baggage).
      const existing = typeof carrier === 'object' && carrier !== null ? (carrier as Record<string, unknown>).baggage : undefined;
      const entry = `${encodeURIComponent(this.baggageKey)}=${encodeURIComponent(id)}`;
      setter.set(carrier, 'baggage', typeof existing === 'string' && existing !== '' ? `${existing},${entry}` : entry);
    }
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
