import type { IdGenerator } from '@opentelemetry/sdk-trace';
import { takeNextTraceId } from './incoming/trace-handle';

/**
 * The SDK's ID generator with one difference: the root span that starts right after a request's
 * decision takes the trace ID the decision chose (`algorithm: 'trace_id'`, `traceIdFromRequestId`).
 * Every other ID comes from `base`, the SDK's RandomIdGenerator unless you give another.
 * `@rid/otel/register` and `withRequestId()` install it.
 */
export class RequestIdTraceIdGenerator implements IdGenerator {
  private readonly base: IdGenerator;
  /** The base's own, bound: every span takes one, and a forwarding method would be one more call each. */
  readonly generateSpanId: () => string;
  constructor(base?: IdGenerator) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    this.base = base ?? new (require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace')).RandomIdGenerator();
    this.generateSpanId = this.base.generateSpanId.bind(this.base);
  }
  generateTraceId(): string {
    return takeNextTraceId() ?? this.base.generateTraceId();
  }
}
