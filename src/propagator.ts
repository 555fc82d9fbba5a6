import { defaultTextMapGetter, defaultTextMapSetter, type Context, type TextMapGetter, type TextMapPropagator, type TextMapSetter } from '@opentelemetry/api';
import { DEFAULT_HEADER_NAME } from './config/compile-config';
import { mayCarryWithoutDestination } from './outgoing/policies';
import { REQUEST_ID_CONTEXT_KEY, standaloneState, stateOf } from './context/request-state';
import { decisionOn, isHeaderObject, markInjected, startRecordingDecisions } from './context/carrier-marks';
import { RequestIdConfigError } from './errors';
import { hasHeader } from './http/headers';
import { isToken } from './http/token';
import type { IncomingValidation } from './types';
import { compileValidation, isAcceptable, type ValidationPolicy } from './config/validation';

export interface RequestIdPropagatorConfig {
  /** Carrier key for the ID; HTTP-style carriers match it case-insensitively. Default `'X-Request-Id'`. */
  headerName?: string;
  /** The same limits as the instrumentation's `validation`, applied by `extract`. */
  validation?: IncomingValidation;
  /** Also write a W3C baggage entry with this key (`true` means `'request.id'`), for services that read baggage but do not run this package. Default off. */
  baggage?: boolean | string;
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
    if (!isToken(headerName)) {
      throw new RequestIdConfigError('headerName', headerName, 'a valid HTTP header name (RFC 9110 token)');
    }
    this.key = headerName.toLowerCase();
    this.validation = compileValidation(config.validation);
    if (config.baggage !== undefined && typeof config.baggage !== 'boolean' && (typeof config.baggage !== 'string' || config.baggage === '')) {
      throw new RequestIdConfigError('baggage', config.baggage, 'true, false, or a non-empty baggage key');
    }
    this.baggageKey = config.baggage === true ? 'request.id' : config.baggage || undefined;
    startRecordingDecisions();
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter = defaultTextMapSetter): void {
    const state = stateOf(context);
    if (state === undefined || !mayCarryWithoutDestination()) return;
    const headers = isHeaderObject(carrier) ? carrier : undefined;
    // A header the app set on the call wins (HttpInstrumentation's carrier is a copy of the app's headers).
    if (headers !== undefined && hasHeader(headers, this.key)) return;
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
    const known = decisionOn(carrier);
    if (known !== undefined) return known === null ? context : context.setValue(REQUEST_ID_CONTEXT_KEY, known);
    const raw = getter.get(carrier, this.key);
    const value = Array.isArray(raw) ? (raw.length === 1 ? raw[0] : undefined) : raw;
    if (typeof value !== 'string' || !isAcceptable(value, this.validation)) return context;
    return context.setValue(REQUEST_ID_CONTEXT_KEY, standaloneState(value));
  }

  fields(): string[] {
    return this.baggageKey === undefined ? [this.key] : [this.key, 'baggage'];
  }
}
