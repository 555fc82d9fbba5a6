import { trace, type Context, type Span } from '@opentelemetry/api';
import { SPAN_CONTEXT_KEY } from '../internals/otel';
import { REQUEST_ID_CONTEXT_KEY, type RequestIdState } from './request-state';

/**
 * One request's context, as one object: its SERVER span and its state over the parent extracted
 * from its headers. The usual `trace.setSpan(parent.setValue(key, state), span)` builds two
 * BaseContexts, each a Map copy and three closures, on every HTTP/2 stream; this builds them only
 * when code derives a context from it (a child span made active, say), once.
 */
class RequestContext implements Context {
  private derived: Context | undefined = undefined;
  constructor(
    private readonly parent: Context,
    private readonly spanKey: symbol,
    private readonly span: Span | undefined,
    private readonly state: RequestIdState | null,
  ) {}

  getValue(key: symbol): unknown {
    if (key === REQUEST_ID_CONTEXT_KEY) return this.state;
    if (key === this.spanKey && this.span !== undefined) return this.span;
    return this.parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return this.base().setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    return this.base().deleteValue(key);
  }

  withSpan(span: Span): RequestContext {
    return new RequestContext(this.parent, this.spanKey, span, this.state);
  }

  private base(): Context {
    return (this.derived ??= withSpanAndState(this.parent, this.span, this.state));
  }
}

function withSpanAndState(parent: Context, span: Span | undefined, state: RequestIdState | null): Context {
  const withState = parent.setValue(REQUEST_ID_CONTEXT_KEY, state);
  return span === undefined ? withState : trace.setSpan(withState, span);
}

/** `parent` with `state` (null: no request's) under REQUEST_ID_CONTEXT_KEY. */
export function requestContext(parent: Context, state: RequestIdState | null): Context {
  return SPAN_CONTEXT_KEY === undefined ? withSpanAndState(parent, undefined, state) : new RequestContext(parent, SPAN_CONTEXT_KEY, undefined, state);
}

/** A request's context (from {@link requestContext}) with `span` active. */
export function withActiveSpan(ctx: Context, span: Span): Context {
  return ctx instanceof RequestContext ? ctx.withSpan(span) : trace.setSpan(ctx, span);
}
