import '../support/otel';
import * as assert from 'node:assert/strict';
import { propagation, type Context, type TextMapGetter, type TextMapPropagator, type TextMapSetter } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { createRequire } from 'node:module';
import { getRequestId, RequestIdPropagator } from '../../src';
import { propagatorFromEnv } from '../../src/register/otel-env';
import { useTestScope } from '../support/scope';
import { get as tracedGet } from '../support/http';
import { untraced } from '../../bench/lib/untraced';

/** b3, b3multi and jaeger as a user gets them: OTEL_PROPAGATORS, with tracecontext, baggage and request-id. */
function fromEnv(names: string): TextMapPropagator {
  const propagator = propagatorFromEnv(new RequestIdPropagator(), { OTEL_PROPAGATORS: `tracecontext,baggage,request-id,${names}` }, (line) => assert.fail(line));
  assert.ok(propagator !== null);
  return propagator;
}

/**
 * X-Ray's propagator, set in code (OTEL_PROPAGATORS has no xray here): not a dependency of ours,
 * it comes with auto-instrumentations-node's Lambda instrumentation, and is resolved from there.
 */
function xrayPropagator(): TextMapPropagator {
  const fromAuto = createRequire(require.resolve('@opentelemetry/auto-instrumentations-node'));
  const fromLambda = createRequire(fromAuto.resolve('@opentelemetry/instrumentation-aws-lambda'));
  const mod = fromLambda('@opentelemetry/propagator-aws-xray') as { AWSXRayPropagator: new () => TextMapPropagator };
  return new mod.AWSXRayPropagator();
}

const get = (...args: Parameters<typeof tracedGet>) => untraced(() => tracedGet(...args));

const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

/** W3C tracecontext that counts its extracts: HttpInstrumentation's and the decision's. */
class CountingPropagator implements TextMapPropagator {
  extracts = 0;
  private readonly inner = new W3CTraceContextPropagator();
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    this.inner.inject(context, carrier, setter);
  }
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    this.extracts++;
    return this.inner.extract(context, carrier, getter);
  }
  fields(): string[] {
    return this.inner.fields();
  }
}

/**
 * `algorithm: 'trace_id'` skips its `propagation.extract` when none of the global propagator's
 * headers came (issue 25), and still finds the caller's trace with each common propagator,
 * including B3's multi-header form that B3Propagator reads but does not list.
 */
describe("algorithm 'trace_id': the trace context headers looked for before extracting", () => {
  const scope = useTestScope();
  const original = (propagation as unknown as { _getGlobalPropagator(): TextMapPropagator })._getGlobalPropagator();
  function usePropagator(propagator: TextMapPropagator): void {
    propagation.disable();
    propagation.setGlobalPropagator(propagator);
  }
  afterEach(() => usePropagator(original));

  async function idFor(headers: Record<string, string>): Promise<string> {
    const app = await scope.serve((_req, res) => res.end(getRequestId()));
    const res = await get(app.url, headers);
    assert.equal(res.body, res.headers['x-request-id']);
    return res.body;
  }

  it('no extract for the decision when no trace context header came; one with a traceparent', async () => {
    scope.instrument({ algorithm: 'trace_id' });
    const counting = new CountingPropagator();
    usePropagator(counting);
    await idFor({});
    const without = counting.extracts;
    counting.extracts = 0;
    assert.equal(await idFor({ traceparent: `00-${CALLER_TRACE}-${SPAN}-01` }), CALLER_TRACE);
    assert.equal(counting.extracts - without, 1, `extracts: ${without} without a traceparent, ${counting.extracts} with one`);
  });

  const cases: Array<[string, () => TextMapPropagator, Record<string, string>, string]> = [
    ['W3C tracecontext (in a composite with baggage)', () => new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }), { traceparent: `00-${CALLER_TRACE}-${SPAN}-01` }, CALLER_TRACE],
    ['B3, single header', () => fromEnv('b3'), { b3: `${CALLER_TRACE}-${SPAN}-1` }, CALLER_TRACE],
    ['B3 injecting the single header, a caller sending the multi-header form (not in its fields())', () => fromEnv('b3'), { 'x-b3-traceid': CALLER_TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' }, CALLER_TRACE],
    ['B3, multi-header', () => fromEnv('b3multi'), { 'x-b3-traceid': CALLER_TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' }, CALLER_TRACE],
    ['Jaeger', () => fromEnv('jaeger'), { 'uber-trace-id': `${CALLER_TRACE}:${SPAN}:0:1` }, CALLER_TRACE],
    ['AWS X-Ray', xrayPropagator, { 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1' }, '5759e988bd862e3fe1be46a994272793'],
  ];
  for (const [name, make, headers, traceId] of cases) {
    it(`${name}: the caller's trace ID; without its headers a new one`, async () => {
      scope.instrument({ algorithm: 'trace_id' });
      usePropagator(make());
      assert.equal(await idFor(headers), traceId);
      const fresh = await idFor({});
      assert.match(fresh, /^[0-9a-f]{32}$/);
      assert.notEqual(fresh, traceId);
    });
  }

  it('a replaced global propagator is followed: its headers are looked for from the next request on', async () => {
    scope.instrument({ algorithm: 'trace_id' });
    usePropagator(new W3CTraceContextPropagator());
    assert.notEqual(await idFor({ 'uber-trace-id': `${CALLER_TRACE}:${SPAN}:0:1` }), CALLER_TRACE);
    usePropagator(fromEnv('jaeger'));
    assert.equal(await idFor({ 'uber-trace-id': `${CALLER_TRACE}:${SPAN}:0:1` }), CALLER_TRACE);
  });
});
