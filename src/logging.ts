/**
 * The request ID on every log line written while a request is served, for pino and winston.
 *
 *     const logger = pino({ mixin: requestIdMixin() });
 *     const logger = winston.createLogger({ format: winston.format.combine(winston.format(requestIdFormat)(), winston.format.json()) });
 *
 * With `@opentelemetry/instrumentation-pino` or `-winston` already enabled, their `logHook` option
 * takes `requestIdLogHook()` instead.
 *
 * Neither logger is a dependency of this package: everything here is typed structurally, so it
 * compiles and runs whether or not pino or winston is installed.
 */
import { getRequestId } from './context/request-state';

/**
 * The default key: snake_case beside the `trace_id`, `span_id` and `trace_flags` that OTel's
 * "trace context in non-OTLP log formats" and its pino/winston instrumentations write, so a
 * line reads `{"trace_id":"…","span_id":"…","request_id":"…"}`. Not `request.id`: most log
 * stores (Elasticsearch, Loki's json parser, CloudWatch Insights) treat a dot in a JSON key
 * as a path or rewrite it.
 */
export const DEFAULT_LOG_KEY = 'request_id';

export interface RequestIdLogOptions {
  /** The field the ID is written under. Default `'request_id'`. */
  key?: string;
  /**
   * Which ID: the one that travels in this header (a per-route rule with its own header).
   * Default: the request's primary ID, as `getRequestId()`.
   */
  headerName?: string;
}

function resolve(options: RequestIdLogOptions | undefined): { key: string; headerName: string | undefined } {
  const key = options?.key ?? DEFAULT_LOG_KEY;
  if (typeof key !== 'string' || key === '') throw new TypeError(`@rid/otel: the log key must be a non-empty string, got ${JSON.stringify(key)}`);
  return { key, headerName: options?.headerName };
}

/**
 * A pino `mixin`: `pino({ mixin: requestIdMixin() })`. Every line logged inside a request gets
 * `request_id`; outside one it adds nothing. A field of the same name passed to the log call
 * itself wins (pino's default merge order).
 *
 * To keep a mixin of your own, pass it: `requestIdMixin({ mixin: (obj, level) => ({ ... }) })`.
 */
export function requestIdMixin<Args extends unknown[] = unknown[]>(
  options: RequestIdLogOptions & { mixin?: (...args: Args) => object } = {},
): (...args: Args) => Record<string, unknown> {
  const { key, headerName } = resolve(options);
  const inner = options.mixin;
  return (...args: Args) => {
    const base = inner === undefined ? {} : { ...inner(...args) };
    const id = getRequestId(headerName);
    if (id !== undefined) (base as Record<string, unknown>)[key] = id;
    return base as Record<string, unknown>;
  };
}

/**
 * A winston format transform: `winston.format(requestIdFormat)()`, or with options
 * `winston.format(requestIdFormat)({ key: 'rid' })`. Put it before `format.json()` (or any
 * format that renders the line). A field the log call set itself is kept.
 */
export function requestIdFormat<T extends object>(info: T, options?: unknown): T {
  // `unknown`: winston's TransformFunction passes its options as `unknown`; they are RequestIdLogOptions.
  const { key, headerName } = resolve(options as RequestIdLogOptions | undefined);
  const id = getRequestId(headerName);
  const record = info as Record<string, unknown>;
  if (id !== undefined && record[key] === undefined) record[key] = id;
  return info;
}

/**
 * For `@opentelemetry/instrumentation-pino` and `-winston`, which inject `trace_id`/`span_id`
 * into each record and call `logHook(span, record)` as they do:
 *
 *     new PinoInstrumentation({ logHook: requestIdLogHook() });
 *     new WinstonInstrumentation({ logHook: requestIdLogHook() });
 *
 * Those instrumentations call the hook only when a span is active, so a line logged in a request
 * that no span covers (no HttpInstrumentation, or a sampler that drops it) gets no ID: use the
 * mixin or format for those.
 */
export function requestIdLogHook(options: RequestIdLogOptions = {}): (span: unknown, record: Record<string, unknown>) => void {
  const { key, headerName } = resolve(options);
  return (_span, record) => {
    const id = getRequestId(headerName);
    if (id !== undefined && record[key] === undefined) record[key] = id;
  };
}
