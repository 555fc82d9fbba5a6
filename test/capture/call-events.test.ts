/**
 * Call events of many vendors in one request: bounded together below the SERVER span's event
 * limit, so that the SDK evicts none of them (it drops the oldest past the limit), every vendor
 * keeps its first calls, and each `*.calls.dropped` is the true number of calls left without an
 * event. Real servers stand in for six vendors, reached under their real host names.
 */
import '../support/otel';
import * as assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SpanKind, trace } from '@opentelemetry/api';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { get, type TestServer } from '../support/http';
import { finishedSpans, httpInstrumentation, provider } from '../support/otel';
import { InMemorySpanExporter, simpleProcessor, type ReadableSpan } from '../support/sdk-compat';
import { useTestScope } from '../support/scope';
import { getFrom } from '../support/vendor-hosts';
import { waitFor } from '../support/wait';

/** Six vendors: a host, the header its responses carry the ID in, the event and the attributes of its calls. */
const VENDORS = [
  { host: 'dynamodb.us-east-1.amazonaws.com', header: 'x-amzn-RequestId', event: 'aws.call', id: 'aws.request_id', dropped: 'rid.aws.calls.dropped' },
  { host: 'api.openai.com', header: 'x-request-id', event: 'rid.openai.call', id: 'rid.openai.request_id', dropped: 'rid.openai.calls.dropped' },
  { host: 'api.stripe.com', header: 'request-id', event: 'rid.stripe.call', id: 'rid.stripe.request_id', dropped: 'rid.stripe.calls.dropped' },
  { host: 'api.github.com', header: 'x-github-request-id', event: 'rid.github.call', id: 'rid.github.request_id', dropped: 'rid.github.calls.dropped' },
  { host: 'slack.com', header: 'x-slack-req-id', event: 'rid.slack.call', id: 'rid.slack.request_id', dropped: 'rid.slack.calls.dropped' },
  { host: 'api.twilio.com', header: 'twilio-request-id', event: 'rid.twilio.call', id: 'rid.twilio.request_id', dropped: 'rid.twilio.calls.dropped' },
];
const CALLS_EACH = 50;
const APP_EVENT = 'app.checkout.done';

describe('call events of many vendors in one request', function () {
  this.timeout(60000);
  const scope = useTestScope();

  /** One request that calls each vendor CALLS_EACH times, one vendor after another, then adds an event of its own. */
  async function storm(): Promise<TestServer> {
    const ports = new Map<string, number>();
    for (const v of VENDORS) {
      let n = 0;
      const api = await scope.serve((_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(200, { [v.header]: `${v.host}-${++n}` });
        res.end('{}');
      });
      ports.set(v.host, api.port);
    }
    return scope.serve((_req, res) => {
      void (async () => {
        for (const v of VENDORS) for (let i = 0; i < CALLS_EACH; i++) await getFrom(v.host, ports.get(v.host)!);
        trace.getActiveSpan()?.addEvent(APP_EVENT);
        res.end('ok');
      })();
    });
  }

  /** What the span says of each vendor, checked for truth: events + dropped = calls, and the events are its first calls in order. */
  function checkEachVendor(span: ReadableSpan): number[] {
    const kept: number[] = [];
    for (const v of VENDORS) {
      const events = span.events.filter((e) => e.name === v.event);
      assert.ok(events.length >= 1, `${v.event}: its first call has an event (events: ${[...new Set(span.events.map((e) => e.name))]})`);
      assert.deepEqual(
        events.map((e) => e.attributes?.[v.id]),
        events.map((_e, i) => `${v.host}-${i + 1}`),
        `${v.event}: the first calls, in order`,
      );
      assert.equal(events.length + Number(span.attributes[v.dropped] ?? 0), CALLS_EACH, `${v.dropped} is the number of calls without an event`);
      kept.push(events.length);
    }
    assert.equal(span.droppedEventsCount, 0, 'the SDK evicted no event');
    assert.ok(span.events.some((e) => e.name === APP_EVENT), "the app's own event is kept");
    return kept;
  }

  it(`the default limit (128): ${VENDORS.length} vendors × ${CALLS_EACH} calls keep every vendor, within half the limit, with true dropped counts`, async () => {
    scope.instrument();
    const app = await storm();
    assert.equal((await get(app.url)).body, 'ok');
    const span = await waitFor('the SERVER span', () => finishedSpans(SpanKind.SERVER).find((s) => s.attributes['server.port'] === app.port));
    const kept = checkEachVendor(span);
    const total = kept.reduce((a, b) => a + b, 0);
    assert.ok(total <= 64, `${total} call events: at most half of the 128 events a span keeps`);
  });

  it('spanLimits.eventCountLimit set low (12): the budget follows it, every vendor still keeps its first call', async () => {
    // The SERVER span comes from a provider of its own, with the low limit, for this test only.
    const exporter = new InMemorySpanExporter();
    const low = new TracerProvider({ spanLimits: { eventCountLimit: 12 }, spanProcessors: [simpleProcessor(exporter)] });
    httpInstrumentation.setTracerProvider(low);
    try {
      scope.instrument();
      const app = await storm();
      assert.equal((await get(app.url)).body, 'ok');
      const span = await waitFor('the SERVER span', () =>
        exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER && s.attributes['server.port'] === app.port),
      );
      const kept = checkEachVendor(span);
      assert.deepEqual(kept, VENDORS.map(() => 1), 'one event each: 6 of the 6 the budget (half of 12) allows');
    } finally {
      httpInstrumentation.setTracerProvider(provider);
      await low.shutdown();
    }
  });
});
