/**
 * RequestIdPropagator (src/propagator.ts) on its own: installed as the global propagator next to
 * W3C trace context, as an app installs it, and called through the real `propagation` API with
 * real contexts (the AsyncLocalStorage context manager of support/otel.ts). No transport.
 */
import '../support/otel';
import * as assert from 'node:assert/strict';
import { context, propagation, ROOT_CONTEXT, type Context, type TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { getRequestId, RequestIdPropagator, runWithRequestId, type RequestIdPropagatorConfig } from '../../src';
import { REQUEST_ID_CONTEXT_KEY, type RequestIdState } from '../../src/context/request-state';
import { addPolicySource, removePolicySource } from '../../src/outgoing/policies';
import type { DestinationPolicy } from '../../src/config/propagate-to';
import { injectedInto, recordDecision } from '../../src/context/carrier-marks';

type Headers = Record<string, unknown>;

describe('RequestIdPropagator through the propagation API', () => {
  const api = propagation as unknown as { _getGlobalPropagator(): TextMapPropagator };
  let original: TextMapPropagator;
  const sources: (() => DestinationPolicy)[] = [];

  /** Makes a RequestIdPropagator the global one, after W3C trace context. */
  function install(config?: RequestIdPropagatorConfig): RequestIdPropagator {
    const ours = new RequestIdPropagator(config);
    propagation.disable();
    propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), ours] }));
    return ours;
  }
  /** An enabled instrumentation's propagateTo, as policies.ts sees it. */
  function policy(value: DestinationPolicy): void {
    const source = () => value;
    sources.push(source);
    addPolicySource(source);
  }
  function injectUnder(id: string | undefined, carrier: Headers = {}): Headers {
    if (id === undefined) propagation.inject(ROOT_CONTEXT, carrier);
    else runWithRequestId(id, () => propagation.inject(context.active(), carrier));
    return carrier;
  }
  const idIn = (ctx: Context): string | undefined => context.with(ctx, () => getRequestId());

  before(() => {
    original = api._getGlobalPropagator();
  });
  afterEach(() => {
    for (const s of sources.splice(0)) removePolicySource(s);
  });
  after(() => {
    propagation.disable();
    propagation.setGlobalPropagator(original);
  });

  describe('fields', () => {
    it('the header in lower case, and baggage when it writes baggage', () => {
      assert.deepEqual(new RequestIdPropagator().fields(), ['x-request-id']);
      assert.deepEqual(new RequestIdPropagator({ headerName: 'Correlation-ID' }).fields(), ['correlation-id']);
      assert.deepEqual(new RequestIdPropagator({ baggage: true }).fields(), ['x-request-id', 'baggage']);
      install();
      assert.deepEqual(propagation.fields(), ['traceparent', 'tracestate', 'x-request-id']);
    });
  });

  describe('inject', () => {
    beforeEach(() => install());

    it('writes the current ID under its header and marks what it wrote on the headers object', () => {
      const carrier = injectUnder('abc-1');
      assert.deepEqual(carrier, { 'x-request-id': 'abc-1' });
      assert.deepEqual(injectedInto(carrier), { key: 'x-request-id', id: 'abc-1', baggage: false });
      // The mark is not a header: no transport sends it.
      assert.deepEqual(Object.keys(carrier), ['x-request-id']);
    });

    it('no ID in the context: nothing written, nothing marked', () => {
      const carrier = injectUnder(undefined);
      assert.deepEqual(carrier, {});
      assert.equal(injectedInto(carrier), undefined);
    });

    it('the ID of its own header when the request has several, else the primary one', () => {
      install({ headerName: 'X-Trace-Key' });
      const state: RequestIdState = { id: 'primary', incoming: true, byHeader: { 'x-request-id': 'primary', 'x-trace-key': 'key-9' }, attributes: {} };
      const carrier: Headers = {};
      propagation.inject(ROOT_CONTEXT.setValue(REQUEST_ID_CONTEXT_KEY, state), carrier);
      assert.deepEqual(carrier, { 'x-trace-key': 'key-9' });
      const fallback: Headers = {};
      propagation.inject(ROOT_CONTEXT.setValue(REQUEST_ID_CONTEXT_KEY, { ...state, byHeader: {} }), fallback);
      assert.deepEqual(fallback, { 'x-trace-key': 'primary' });
    });

    it('a header the app set itself wins, whatever its case', () => {
      const carrier = injectUnder('abc-1', { 'X-Request-ID': 'the-apps' });
      assert.deepEqual(carrier, { 'X-Request-ID': 'the-apps' });
      assert.equal(injectedInto(carrier), undefined);
    });

    it('allowed and denied destinations: nothing when every enabled instrumentation says propagateTo: false', () => {
      policy(false);
      assert.deepEqual(injectUnder('abc-1'), {});
      // A host list (compiled to a function) cannot judge a carrier that names no host: the ID goes.
      policy((destination) => destination.hostname === 'api.example.com');
      assert.deepEqual(injectUnder('abc-2'), { 'x-request-id': 'abc-2' });
      for (const s of sources.splice(0)) removePolicySource(s);
      policy(false);
      policy(() => false);
      assert.deepEqual(injectUnder('abc-3'), { 'x-request-id': 'abc-3' });
      for (const s of sources.splice(0)) removePolicySource(s);
      policy(true);
      assert.deepEqual(injectUnder('abc-4'), { 'x-request-id': 'abc-4' });
    });

    it('baggage: its own entry, encoded, merged after one already written', () => {
      install({ baggage: 'req id' });
      assert.deepEqual(injectUnder('abc-1'), { 'x-request-id': 'abc-1', baggage: 'req%20id=abc-1' });
      const merged = injectUnder('abc-2', { baggage: 'tenant=acme' });
      assert.equal(merged.baggage, 'tenant=acme,req%20id=abc-2');
      assert.deepEqual(injectedInto(merged), { key: 'x-request-id', id: 'abc-2', baggage: true });
    });

    it('a carrier that is not a plain headers object goes through the setter, unmarked', () => {
      const ours = new RequestIdPropagator();
      const metadata = new Map<string, string>();
      runWithRequestId('abc-1', () => ours.inject(context.active(), metadata, { set: (m, k, v) => m.set(k, v) }));
      assert.deepEqual([...metadata], [['x-request-id', 'abc-1']]);
      assert.equal(injectedInto(metadata), undefined);
    });

    it('a frozen headers object: the setter is still called and nothing throws', () => {
      const ours = new RequestIdPropagator();
      const written: [string, string][] = [];
      const frozen = Object.freeze({});
      runWithRequestId('abc-1', () => ours.inject(context.active(), frozen, { set: (_c, k, v) => void written.push([k, v]) }));
      assert.deepEqual(written, [['x-request-id', 'abc-1']]);
      assert.equal(injectedInto(frozen), undefined);
    });
  });

  describe('extract', () => {
    beforeEach(() => install());

    it('a valid ID becomes the context\'s request ID, which inject carries on', () => {
      const ctx = propagation.extract(ROOT_CONTEXT, { 'x-request-id': 'abc-1' });
      assert.equal(idIn(ctx), 'abc-1');
      const carrier: Headers = {};
      propagation.inject(ctx, carrier);
      assert.deepEqual(carrier, { 'x-request-id': 'abc-1' });
    });

    it('an invalid, empty, overlong or repeated value leaves the context as it was', () => {
      const ours = new RequestIdPropagator();
      for (const value of ['x\r\nInjected: 1', 'has space', '', 'a'.repeat(201), ['a', 'b']]) {
        assert.equal(ours.extract(ROOT_CONTEXT, { 'x-request-id': value }), ROOT_CONTEXT, JSON.stringify(value));
        assert.equal(idIn(propagation.extract(ROOT_CONTEXT, { 'x-request-id': value })), undefined, JSON.stringify(value));
      }
      // One value in a list (how some carriers hold a header) is one ID.
      assert.equal(idIn(ours.extract(ROOT_CONTEXT, { 'x-request-id': ['abc-1'] })), 'abc-1');
    });

    it('its validation config applies', () => {
      const ours = new RequestIdPropagator({ validation: { maxLength: 3, pattern: /^[0-9]+$/ } });
      assert.equal(idIn(ours.extract(ROOT_CONTEXT, { 'x-request-id': '123' })), '123');
      assert.equal(ours.extract(ROOT_CONTEXT, { 'x-request-id': '1234' }), ROOT_CONTEXT);
      assert.equal(ours.extract(ROOT_CONTEXT, { 'x-request-id': 'abc' }), ROOT_CONTEXT);
    });

    it('bad carriers: the context comes back unchanged, nothing throws', () => {
      const ours = new RequestIdPropagator();
      const carriers: unknown[] = [null, undefined, 42, 'x-request-id', [], Object.create(null)];
      carriers.forEach((carrier, i) => {
        assert.equal(ours.extract(ROOT_CONTEXT, carrier), ROOT_CONTEXT, `carrier ${i}`);
        assert.equal(idIn(propagation.extract(ROOT_CONTEXT, carrier)), undefined, `carrier ${i}`);
      });
    });

    it('a request the server hook decided on: extract agrees with the decision, not the header', () => {
      const ignored = { headers: { 'x-request-id': 'abc-1' } };
      recordDecision(ignored, null);
      assert.equal(propagation.extract(ROOT_CONTEXT, ignored.headers), ROOT_CONTEXT);
      const replaced = { headers: { 'x-request-id': 'untrusted' } };
      recordDecision(replaced, { id: 'generated-1', incoming: true, byHeader: { 'x-request-id': 'generated-1' }, attributes: {} });
      assert.equal(idIn(propagation.extract(ROOT_CONTEXT, replaced.headers)), 'generated-1');
      // The decision is not a header: it is not enumerable.
      assert.deepEqual(Object.keys(replaced.headers), ['x-request-id']);
    });
  });

  describe('configuration', () => {
    it('a bad headerName or baggage throws at construction, naming the option', () => {
      assert.throws(() => new RequestIdPropagator({ headerName: 'bad header' }), /invalid option `headerName`: got "bad header"; expected a valid HTTP header name/);
      assert.throws(() => new RequestIdPropagator({ baggage: '' }), /invalid option `baggage`: got ""; expected true, false, or a non-empty baggage key/);
      assert.throws(() => new RequestIdPropagator({ baggage: 1 as unknown as string }), /invalid option `baggage`/);
      assert.throws(() => new RequestIdPropagator({ validation: { minLength: 0 } }), /invalid option `validation.minLength`/);
    });
  });
});
