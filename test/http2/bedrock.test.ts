import '../support/otel';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ConverseCommand, ConverseStreamCommand, type Message } from '@aws-sdk/client-bedrock-runtime';
import { AWS_CALL_EVENT, getRequestId } from '../../src';
import { BEDROCK_MODEL_ID, useBedrockH2 } from '../support/bedrock-h2';
import { get } from '../support/http';
import { waitForSpans, type finishedSpans } from '../support/otel';
import { useTestScope } from '../support/scope';
import type { FixtureSpan } from '../fixtures/serve-once';

const messages: Message[] = [{ role: 'user', content: [{ text: 'hello' }] }];
type Span = ReturnType<typeof finishedSpans>[number];

/** The real Bedrock Runtime client (NodeHttp2Handler, h2c to an http:// endpoint) inside an incoming HTTP/1.1 request. */
describe('AWS request IDs over HTTP/2: the real @aws-sdk/client-bedrock-runtime', () => {
  const scope = useTestScope();
  const fixture = useBedrockH2();

  /** Serves one request whose handler runs `work`; returns the ID the client got and what work returned. */
  async function inRequest<T>(work: () => Promise<T>): Promise<{ id: string; result: T }> {
    let result: T | undefined;
    const server = await scope.serve((_req: IncomingMessage, res: ServerResponse) => {
      work().then(
        (r) => {
          result = r;
          res.end(String(getRequestId()));
        },
        (err: unknown) => {
          res.statusCode = 500;
          res.end(String(err));
        },
      );
    });
    const res = await get(server.url);
    assert.equal(res.status, 200, res.body);
    return { id: res.body, result: result as T };
  }

  /** The app's SERVER span (HTTP/1.1): on Node 22+ the Bedrock stand-in's HTTP/2 streams have SERVER spans of ours too. */
  async function incomingServerSpan(): Promise<Span> {
    const deadline = Date.now() + 2000;
    for (;;) {
      const span = (await waitForSpans(SpanKind.SERVER, 1)).find((s) => s.attributes['network.protocol.version'] !== '2');
      if (span !== undefined) return span;
      assert.ok(Date.now() < deadline, 'the incoming request has a SERVER span');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  function bedrockClientSpans(spans: Span[]): Span[] {
    return spans.filter((s) => s.attributes['server.port'] === fixture.bedrock.port && s.attributes['network.protocol.version'] === '2');
  }

  it('Converse: $metadata.requestId is aws.request_id on our HTTP/2 CLIENT span; the endpoint got x-request-id and traceparent', async () => {
    scope.instrument();
    const { id, result } = await inRequest(() => fixture.client.send(new ConverseCommand({ modelId: BEDROCK_MODEL_ID, messages })));
    const [hit] = fixture.bedrock.hits;
    assert.equal(hit.requestIdHeader, id);
    assert.ok(hit.traceparent, 'the trace goes on across HTTP/2');
    const [span] = bedrockClientSpans(await waitForSpans(SpanKind.CLIENT, 1));
    assert.ok(span, 'a CLIENT span for the Bedrock call');
    assert.equal(result.$metadata.requestId, hit.awsRequestId);
    assert.equal(span.attributes['aws.request_id'], result.$metadata.requestId);
    assert.equal(span.attributes['http.request.method'], 'POST');
    assert.equal(span.attributes['http.response.status_code'], 200);
    assert.equal(span.attributes['request.id'], id);
    assert.ok(String(hit.traceparent).includes(span.spanContext().spanId));
    const server = await incomingServerSpan();
    const events = server.events.filter((e) => e.name === AWS_CALL_EVENT);
    assert.deepEqual(
      events.map((e) => [e.attributes?.['aws.request_id'], e.attributes?.['http.response.status_code']]),
      [[hit.awsRequestId, 200]],
    );
  });

  it('a 429 ThrottlingException, then a 200 on the SDK retry: both attempts have their own span and ID', async () => {
    scope.instrument();
    fixture.bedrock.throttleNext();
    const { result } = await inRequest(() => fixture.client.send(new ConverseCommand({ modelId: BEDROCK_MODEL_ID, messages })));
    assert.equal(result.$metadata.attempts, 2);
    const [throttled, ok] = fixture.bedrock.hits;
    const spans = bedrockClientSpans(await waitForSpans(SpanKind.CLIENT, 2));
    const byId = new Map(spans.map((s) => [s.attributes['aws.request_id'], s]));
    assert.equal(byId.size, 2);
    assert.equal(byId.get(throttled.awsRequestId)?.attributes['http.response.status_code'], 429);
    assert.equal(byId.get(throttled.awsRequestId)?.status.code, SpanStatusCode.ERROR);
    assert.equal(byId.get(ok.awsRequestId)?.attributes['http.response.status_code'], 200);
    assert.equal(result.$metadata.requestId, ok.awsRequestId);
    const server = await incomingServerSpan();
    const events = server.events.filter((e) => e.name === AWS_CALL_EVENT).map((e) => e.attributes?.['aws.request_id']);
    assert.deepEqual(events, [throttled.awsRequestId, ok.awsRequestId]);
    assert.equal(throttled.requestIdHeader, ok.requestIdHeader, 'the retry carries the same request ID');
  });

  it('ConverseStream: the event stream still parses, and its ID is on the span', async () => {
    scope.instrument();
    const { result } = await inRequest(async () => {
      const out = await fixture.client.send(new ConverseStreamCommand({ modelId: BEDROCK_MODEL_ID, messages }));
      let text = '';
      for await (const event of out.stream!) text += event.contentBlockDelta?.delta?.text ?? '';
      return { text, requestId: out.$metadata.requestId };
    });
    assert.equal(result.text, 'Hello from h2');
    const [span] = bedrockClientSpans(await waitForSpans(SpanKind.CLIENT, 1));
    assert.equal(span.attributes['aws.request_id'], result.requestId);
    assert.equal(fixture.bedrock.hits[0].awsRequestId, result.requestId);
  });

  it('captureAwsRequestIds: false: the CLIENT span and the ID header stay, no AWS attributes', async () => {
    scope.instrument({ captureAwsRequestIds: false });
    const { id } = await inRequest(() => fixture.client.send(new ConverseCommand({ modelId: BEDROCK_MODEL_ID, messages })));
    assert.equal(fixture.bedrock.hits[0].requestIdHeader, id);
    const [span] = bedrockClientSpans(await waitForSpans(SpanKind.CLIENT, 1));
    assert.ok(span);
    assert.equal(span.attributes['aws.request_id'], undefined);
  });
});

describe('Bedrock Runtime under instrumentation-aws-sdk (a child process: it patches the SDK as it loads)', () => {
  it("throttled then ok: each attempt's ID on our CLIENT span under the operation span, the last on the operation span, two aws.call events", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, '../fixtures/bedrock-app.ts')], {
      cwd: join(__dirname, '../..'),
      timeout: 60000,
    });
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as { status: number; metadata: { requestId: string; attempts: number }; sent: string[]; spans: FixtureSpan[] };
    assert.equal(result.status, 200);
    assert.equal(result.metadata.attempts, 2);
    const [throttledId, okId] = result.sent;
    assert.equal(result.metadata.requestId, okId);
    const operation = result.spans.filter((s) => s.scope === '@opentelemetry/instrumentation-aws-sdk');
    assert.equal(operation.length, 1, 'one operation span');
    assert.equal(operation[0].attributes['aws.request_id'], okId);
    const attempts = result.spans.filter((s) => s.scope === '@rid/otel' && s.kind === SpanKind.CLIENT);
    assert.deepEqual(attempts.map((s) => [s.attributes['aws.request_id'], s.attributes['http.response.status_code'], s.parentSpanId]), [
      [throttledId, 429, operation[0].spanId],
      [okId, 200, operation[0].spanId],
    ]);
    // On Node 22+ the Bedrock stand-in's own HTTP/2 streams have SERVER spans too: the app's is the HTTP/1.1 one.
    const server = result.spans.find((s) => s.kind === SpanKind.SERVER && s.scope === '@opentelemetry/instrumentation-http')!;
    assert.deepEqual(
      server.events.filter((e) => e.name === AWS_CALL_EVENT).map((e) => e.attributes?.['aws.request_id']),
      [throttledId, okId],
    );
  });
});
