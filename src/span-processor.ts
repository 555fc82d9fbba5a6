import { SpanKind, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { processorAttributeName } from './config/compile-config';
import { stampServerSpan, stateOf } from './context/request-state';

export interface RequestIdSpanProcessorConfig {
  /** The attribute stamped on every span started inside a request. Default `'request.id'`. */
  attributeName?: string;
}

/**
 * Stamps the request ID on every span started inside a request (framework, database, AWS and
 * user spans), so any span found in Jaeger leads back to the request and its other spans.
 */
export class RequestIdSpanProcessor implements SpanProcessor {
  private readonly attributeName: string;

  constructor(config: RequestIdSpanProcessorConfig = {}) {
    this.attributeName = processorAttributeName(config);
  }

  onStart(span: Span, parentContext: Context): void {
    const state = stateOf(parentContext);
    if (state === undefined) return;
    if (state.incoming && state.serverSpan === undefined && span.kind === SpanKind.SERVER) {
      // The request's own SERVER span (RequestIdPropagator put the server hook's state in the
      // context HttpInstrumentation starts it with): all its attributes now, so the server
      // hook's 'request' listener has nothing left to stamp.
      stampServerSpan(span, state);
      if (state.attributes[this.attributeName] === undefined) span.setAttribute(this.attributeName, state.id);
      return;
    }
    span.setAttribute(this.attributeName, state.id);
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
