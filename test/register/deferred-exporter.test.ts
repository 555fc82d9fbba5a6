/**
 * The exporter register makes at its first export (src/register/deferred-exporter.ts), under a real
 * TracerProvider and BatchSpanProcessor: nothing is made until spans are exported, every span
 * reaches the exporter once made, and a failure to make it fails exports instead of the app.
 */
import * as assert from 'node:assert/strict';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { InMemorySpanExporter, type SpanExporter } from '../support/sdk-compat';
import { DeferredExporter, MakeExporterOnFirstSpan } from '../../src/register/deferred-exporter';
import { envSnapshot, withEnvAsIn } from '../../src/register/env-snapshot';
import { diagLines } from '../support/otel';

describe('register: the exporter made at its first export', () => {
  function setUp(make: () => SpanExporter): { provider: TracerProvider; made: () => number } {
    let made = 0;
    const deferred = new DeferredExporter(() => {
      made++;
      return make();
    });
    const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: deferred })] });
    return { provider, made: () => made };
  }

  it('is not made while no span is exported, and not at a shutdown with nothing to export', async () => {
    const { provider, made } = setUp(() => new InMemorySpanExporter());
    await provider.forceFlush();
    assert.equal(made(), 0);
    await provider.shutdown();
    assert.equal(made(), 0);
  });

  it('is made once, at the first export, and gets the spans ended before it existed', async () => {
    const inMemory = new InMemorySpanExporter();
    const { provider, made } = setUp(() => inMemory);
    const tracer = provider.getTracer('t');
    tracer.startSpan('first').end();
    tracer.startSpan('second').end();
    assert.equal(made(), 0, 'ending spans makes nothing');
    await provider.forceFlush();
    assert.equal(made(), 1);
    assert.deepEqual(
      inMemory.getFinishedSpans().map((s) => s.name),
      ['first', 'second'],
    );
    tracer.startSpan('third').end();
    await provider.forceFlush();
    assert.equal(made(), 1, 'made once');
    assert.equal(inMemory.getFinishedSpans().length, 3);
    await provider.shutdown();
  });

  it('hands every span to the made exporter', async () => {
    const names: string[] = [];
    const inMemory = new InMemorySpanExporter();
    const recording: SpanExporter = {
      export: (spans, done) => {
        names.push(...spans.map((s) => s.name));
        inMemory.export(spans, done);
      },
      shutdown: () => inMemory.shutdown(),
    };
    const { provider } = setUp(() => recording);
    const tracer = provider.getTracer('t');
    for (const name of ['a', 'b', 'c']) tracer.startSpan(name).end();
    await provider.forceFlush();
    tracer.startSpan('d').end();
    await provider.shutdown();
    assert.deepEqual(names, ['a', 'b', 'c', 'd']);
  });

  it('a make that throws fails each export, says so once through diag, and never throws into the app', async () => {
    const before = diagLines.length;
    const { provider, made } = setUp(() => {
      throw new Error('Cannot find module x');
    });
    const tracer = provider.getTracer('t');
    tracer.startSpan('a').end();
    // The processor hands the failed export's error to whoever flushes.
    await assert.rejects(provider.forceFlush());
    tracer.startSpan('b').end();
    await assert.rejects(provider.forceFlush());
    await provider.shutdown().catch(() => undefined);
    assert.equal(made(), 1, 'tried once');
    const lines = diagLines.slice(before).filter((l) => l.message.includes('could not load the span exporter'));
    assert.equal(lines.length, 1, JSON.stringify(diagLines.slice(before)));
    assert.match(lines[0].message, /Cannot find module x/);
  });
});

describe('register: the exporter made once the first span has ended', () => {
  it('is made in a later turn after the first span ends, with no export or flush, and once', async () => {
    let made = 0;
    const inMemory = new InMemorySpanExporter();
    const deferred = new DeferredExporter(() => {
      made++;
      return inMemory;
    });
    // A schedule delay no test waits for: only the first span's end can make it.
    const batch = new BatchSpanProcessor({ exporter: deferred, scheduledDelayMillis: 600_000 });
    const provider = new TracerProvider({ spanProcessors: [new MakeExporterOnFirstSpan(batch, deferred)] });
    const tracer = provider.getTracer('t');
    const span = tracer.startSpan('first');
    await new Promise((r) => setImmediate(r));
    assert.equal(made, 0, 'a started span makes nothing');
    span.end();
    assert.equal(made, 0, 'not on the span end path itself');
    await new Promise((r) => setImmediate(r));
    assert.equal(made, 1);
    tracer.startSpan('second').end();
    await new Promise((r) => setImmediate(r));
    assert.equal(made, 1);
    assert.equal(inMemory.getFinishedSpans().length, 0, 'the spans still wait for the batch');
    await provider.forceFlush();
    assert.deepEqual(
      inMemory.getFinishedSpans().map((s) => s.name),
      ['first', 'second'],
    );
    await provider.shutdown();
  });
});

describe('register: the environment as it was at start-up', () => {
  const NAME = 'OTEL_RID_SNAPSHOT_TEST';
  afterEach(() => {
    delete process.env[NAME];
    delete process.env[`${NAME}_LATER`];
  });

  it('runs with the variables of the snapshot, then restores the ones set since', () => {
    process.env[NAME] = 'at-start';
    const snapshot = envSnapshot('OTEL_RID_SNAPSHOT');
    process.env[NAME] = 'changed';
    process.env[`${NAME}_LATER`] = 'added';
    const seen = withEnvAsIn(snapshot, 'OTEL_RID_SNAPSHOT', () => [process.env[NAME], process.env[`${NAME}_LATER`]]);
    assert.deepEqual(seen, ['at-start', undefined]);
    assert.equal(process.env[NAME], 'changed');
    assert.equal(process.env[`${NAME}_LATER`], 'added');
  });

  it('restores them when fn throws', () => {
    const snapshot = envSnapshot('OTEL_RID_SNAPSHOT');
    process.env[NAME] = 'set later';
    assert.throws(() =>
      withEnvAsIn(snapshot, 'OTEL_RID_SNAPSHOT', () => {
        assert.equal(process.env[NAME], undefined);
        throw new Error('boom');
      }),
    );
    assert.equal(process.env[NAME], 'set later');
  });
});
