import { context, SpanKind, trace } from '@opentelemetry/api';
import type { CompiledConfig } from '../config/compile-config';
import { requestPath } from '../config/matchers';
import { isAcceptable } from '../config/validation';
import { recordDecision } from '../context/carrier-marks';
import { REQUEST_STATE, requestIdStorage, runWithState, stampServerSpan, type RequestIdState, type WithState } from '../context/request-state';
import type { Guard } from '../diag';
import type { IncomingAdapter } from '../internal-types';
import { kindOf } from '../internals/otel';
import { decideRequestIds, newState } from './decide';
import { LambdaEcho } from './lambda-echo';
import { httpRequestOf, isObject, type LambdaHttpRequest } from './lambda-event';
import { flushBeforeDeadline } from './lambda-flush';
import { propagatedId } from './lambda-messages';
import { checkTraceIdTaken, requestTraceId } from './trace-handle';

/** A Lambda handler: `(event, context)` returning a promise, or `(event, context, callback)` on nodejs22.x and older. */
export type LambdaHandler = (this: unknown, event: unknown, lambdaContext: unknown, callback?: LambdaCallback) => unknown;
type LambdaCallback = (error?: unknown, result?: unknown) => void;

/** What an invocation needs of the instrumentation, or undefined while it is disabled. */
export type LambdaTurn = () => { config: CompiledConfig; guard: Guard } | undefined;

/** A Lambda HTTP event as the core sees it: the echo waits for the handler's result (lambda-echo.ts). */
const lambdaHttp: IncomingAdapter<LambdaHttpRequest, LambdaEcho> = {
  header: (request, key) => request.headers[key],
  headerCount: (request, key) => request.counts[key] ?? 1,
  path: requestPath,
  setResponseHeader: (echo, name, key, value) => echo.add(name, key, value),
};

/** For `algorithm: 'trace_id'` on an event with no headers. */
const noHeaders: IncomingAdapter<LambdaHttpRequest, LambdaEcho> = { ...lambdaHttp, header: () => undefined };

/** A response streaming handler (awslambda.streamifyResponse) answers through a stream, not a result: the runtime marks it with this registered symbol. */
function isStreaming(handler: LambdaHandler): boolean {
  return Object.getOwnPropertySymbols(handler).some((s) => Symbol.keyFor(s) === 'aws.lambda.runtime.handler.streaming');
}

/**
 * The handler, wrapped: each invocation gets its request ID before the handler runs (from the
 * HTTP event's header, or the ID its messages carry), the handler and all its async work run with
 * it current, and a proxy result gets the echo. The wrapper keeps the handler's arity: the
 * nodejs24.x runtime refuses a handler with three parameters, and older ones pass a callback only
 * to those that take one.
 */
export function wrapLambdaHandler(handler: LambdaHandler, turn: LambdaTurn): LambdaHandler {
  if (isStreaming(handler)) return handler;
  if (handler.length >= 3) {
    return function (this: unknown, event: unknown, lambdaContext: unknown, callback?: LambdaCallback) {
      return invoke(this, handler, turn, event, lambdaContext, callback);
    };
  }
  return function (this: unknown, event: unknown, lambdaContext: unknown) {
    return invoke(this, handler, turn, event, lambdaContext, undefined);
  };
}

interface Invocation {
  state: RequestIdState;
  echo: LambdaEcho | undefined;
}

function invoke(self: unknown, handler: LambdaHandler, turn: LambdaTurn, event: unknown, lambdaContext: unknown, callback: LambdaCallback | undefined): unknown {
  const current = turn();
  const invocation = current === undefined ? undefined : begin(event, lambdaContext, current.config, current.guard);
  if (invocation === undefined) return callback === undefined ? handler.call(self, event, lambdaContext) : handler.call(self, event, lambdaContext, callback);
  const { state, echo } = invocation;
  const guard = current!.guard;
  // Constructed before instrumentation-aws-lambda, this wrapper runs inside its invocation span,
  // which started without the state: stamp it here. Constructed after it (register,
  // withRequestId), this runs first, and RequestIdSpanProcessor stamps that span at its start.
  const active = trace.getSpan(context.active());
  if (active !== undefined && state.serverSpan === undefined && kindOf(active) === SpanKind.SERVER) stampServerSpan(active, state);
  const answer = echo === undefined ? <T>(result: T): T => result : <T>(result: T): T => guard.call('lambda.echo', ECHO_FAILED, result, applyEcho, echo, result);
  const flush = (): Promise<void> => flushBeforeDeadline(lambdaContext);
  try {
    // Both: instrumentation-aws-lambda starts from ROOT_CONTEXT when the event brought no trace
    // context, which drops the state from the OTel context; our own store keeps it.
    return requestIdStorage.run(state, runWithState, state, () => {
      if (callback === undefined) return settle(handler.call(self, event, lambdaContext), answer, flush, false);
      const answered: LambdaCallback = (error, result) => {
        const value = error == null ? answer(result) : result;
        void flush().then(() => callback(error, value));
      };
      return settle(handler.call(self, event, lambdaContext, answered), answer, flush, true);
    });
  } finally {
    // The invocation span has started by now, wherever it came from: a trace ID chosen for it is spent.
    checkTraceIdTaken(state.serverSpan);
  }
}

function applyEcho<T>(echo: LambdaEcho, result: T): T {
  return echo.applyTo(result);
}

/**
 * The echo, then every span of the invocation exported before the runtime gets the result: Lambda
 * freezes the process once it has it. Ours, bounded by the deadline (lambda-flush.ts).
 * instrumentation-aws-lambda flushes only when it was handed the SDK's provider, which neither
 * register nor NodeSDK does (they register it before the provider exists): its flush waits for
 * the exporter however long that takes.
 */
function settle(result: unknown, answer: <T>(result: T) => T, flush: () => Promise<void>, callbackMode: boolean): unknown {
  if (isObject(result) && typeof result.then === 'function') {
    return (result as unknown as Promise<unknown>).then(
      (value) => flush().then(() => answer(value)),
      (error: unknown) => flush().then(() => Promise.reject(error)),
    );
  }
  // A callback handler answers through the callback: what it returns is not its result.
  if (callbackMode) return result;
  // A synchronous handler's value goes back as it is (a promise in its place would change what the
  // runtime does with it); the flush still runs, and keeps the event loop busy until it is done.
  void flush();
  return answer(result);
}

/** The invocation's request ID decision; undefined for an ignored request or a failure (reported, and the handler runs as if none). */
function begin(event: unknown, lambdaContext: unknown, config: CompiledConfig, guard: Guard): Invocation | undefined {
  try {
    // Another instance or package copy wrapped the handler too: one invocation, one ID.
    const existing = isObject(event) ? (event as WithState)[REQUEST_STATE] : undefined;
    const request = httpRequestOf(event);
    if (request === undefined) {
      const state = existing ?? messageState(event, lambdaContext, config);
      keep(event, state);
      return { state, echo: undefined };
    }
    const echo = new LambdaEcho(request.multiValueOnly);
    const state = decideRequestIds(lambdaHttp, request, echo, existing, config, guard);
    // instrumentation-aws-lambda extracts the parent context from `event.headers`: RequestIdPropagator reads this decision there, not the raw header.
    if (isObject(event) && isObject(event.headers)) recordDecision(event as { headers: object }, state ?? null);
    if (state === null || state === undefined) return undefined;
    if (existing === undefined) {
      for (const name in request.awsIds) state.attributes[name] = request.awsIds[name];
      keep(event, state);
    }
    return { state, echo };
  } catch (err) {
    guard.report('lambda', 'could not assign a request ID to the invocation; it goes on without one', err);
    return undefined;
  }
}

/** SQS, SNS, EventBridge, schedules, direct invocations: the ID the messages carry (validated; never with `trustIncoming: false`), else a new one. */
function messageState(event: unknown, lambdaContext: unknown, config: CompiledConfig): RequestIdState {
  const rule = config.global;
  const carried = config.trust === false ? undefined : propagatedId(event, lambdaContext, rule.headerKey);
  if (carried !== undefined && isAcceptable(carried, config.validation)) return newState(carried, rule);
  return newState(rule.traceId ? requestTraceId(noHeaders, event as LambdaHttpRequest) : rule.generate(), rule);
}

function keep(event: unknown, state: RequestIdState): void {
  if (isObject(event) && Object.isExtensible(event)) Object.defineProperty(event, REQUEST_STATE, { value: state, configurable: true, writable: true });
}

const ECHO_FAILED = 'could not add the request ID header to the Lambda result; it is returned unchanged';
