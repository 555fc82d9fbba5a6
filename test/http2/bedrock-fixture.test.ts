/**
 * The Bedrock Runtime h2c fixture (test/support/bedrock-h2.ts) against the real
 * `@aws-sdk/client-bedrock-runtime`, without any instrumentation of ours: it proves the fixture
 * is good enough to test the instrumentation with (the SDK accepts its answers, retries its
 * throttle, parses its event stream).
 */
import * as assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import { ConverseCommand, ConverseStreamCommand, type Message } from '@aws-sdk/client-bedrock-runtime';
import { BEDROCK_MODEL_ID, useBedrockH2 } from '../support/bedrock-h2';

const messages: Message[] = [{ role: 'user', content: [{ text: 'hello' }] }];

describe('Bedrock Runtime h2c fixture with the real client', () => {
  const fixture = useBedrockH2();

  it('Converse: a 200 over HTTP/2 whose $metadata.requestId is the x-amzn-requestid the server sent', async () => {
    const out = await fixture.client.send(new ConverseCommand({ modelId: BEDROCK_MODEL_ID, messages }));
    assert.equal(fixture.bedrock.hits.length, 1);
    const [hit] = fixture.bedrock.hits;
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal(out.$metadata.requestId, hit.awsRequestId);
    assert.deepEqual(out.output?.message?.content, [{ text: 'Hello from h2' }]);
    assert.equal(hit.method, 'POST');
    assert.equal(hit.path, `/model/${encodeURIComponent(BEDROCK_MODEL_ID)}/converse`);
    assert.equal(hit.operation, 'converse');
    assert.match(String(hit.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDFAKEFAKEFAKE\//);
    assert.deepEqual(JSON.parse(hit.body).messages, messages);
    // Without our instrumentation nothing adds these.
    assert.equal(hit.requestIdHeader, undefined);
    assert.equal(hit.traceparent, undefined);
  });

  it('the request came over h2c: HTTP/2 pseudo-headers with :scheme http', async () => {
    await fixture.client.send(new ConverseCommand({ modelId: BEDROCK_MODEL_ID, messages }));
    assert.equal(fixture.bedrock.hits[0].headers[':scheme'], 'http');
    assert.equal(fixture.bedrock.hits[0].headers[':authority'], `127.0.0.1:${fixture.bedrock.port}`);
  });

  it('a 429 ThrottlingException, then a 200 on the SDK retry: two server hits, two AWS IDs', async () => {
    fixture.bedrock.throttleNext();
    const out = await fixture.client.send(new ConverseCommand({ modelId: BEDROCK_MODEL_ID, messages }));
    assert.equal(fixture.bedrock.hits.length, 2);
    const [throttled, ok] = fixture.bedrock.hits;
    assert.equal(throttled.status, 429);
    assert.equal(throttled.errorType, 'ThrottlingException');
    assert.equal(ok.status, 200);
    assert.notEqual(throttled.awsRequestId, ok.awsRequestId);
    assert.equal(out.$metadata.attempts, 2);
    assert.equal(out.$metadata.requestId, ok.awsRequestId);
    // The retry is a new attempt of the same invocation.
    assert.equal(throttled.headers['amz-sdk-invocation-id'], ok.headers['amz-sdk-invocation-id']);
    assert.match(String(ok.headers['amz-sdk-request']), /attempt=2/);
  });

  it('throttled on every attempt: the client throws ThrottlingException with the last ID, after 3 hits', async () => {
    fixture.bedrock.throttleNext(3);
    const err = await fixture.client.send(new ConverseCommand({ modelId: BEDROCK_MODEL_ID, messages })).then(
      () => assert.fail('expected a ThrottlingException'),
      (e: { name: string; $metadata: { httpStatusCode?: number; requestId?: string; attempts?: number } }) => e,
    );
    assert.equal(err.name, 'ThrottlingException');
    assert.equal(fixture.bedrock.hits.length, 3);
    assert.equal(err.$metadata.httpStatusCode, 429);
    assert.equal(err.$metadata.requestId, fixture.bedrock.hits[2].awsRequestId);
  });

  it('ConverseStream: the client parses the event stream (messageStart, deltas, messageStop, metadata)', async () => {
    const out = await fixture.client.send(new ConverseStreamCommand({ modelId: BEDROCK_MODEL_ID, messages }));
    assert.equal(out.$metadata.requestId, fixture.bedrock.hits[0].awsRequestId);
    assert.equal(fixture.bedrock.hits[0].operation, 'converse-stream');
    const kinds: string[] = [];
    let text = '';
    for await (const event of out.stream!) {
      kinds.push(Object.keys(event).filter((k) => k !== '$unknown')[0]);
      if (event.contentBlockDelta?.delta?.text !== undefined) text += event.contentBlockDelta.delta.text;
      if (event.messageStop) assert.equal(event.messageStop.stopReason, 'end_turn');
      if (event.metadata) assert.equal(event.metadata.usage?.totalTokens, 8);
    }
    assert.deepEqual(kinds, ['messageStart', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockStop', 'messageStop', 'metadata']);
    assert.equal(text, 'Hello from h2');
  });

  it('records x-request-id and traceparent when a caller sends them (what the instrumentation will add)', async () => {
    const session = http2.connect(fixture.bedrock.endpoint);
    try {
      await new Promise<void>((resolve, reject) => {
        const req = session.request({
          ':method': 'POST',
          ':path': `/model/${encodeURIComponent(BEDROCK_MODEL_ID)}/converse`,
          'x-request-id': 'rid-123',
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        });
        req.on('response', () => {});
        req.on('data', () => {});
        req.on('end', resolve);
        req.on('error', reject);
        req.end(JSON.stringify({ messages }));
      });
    } finally {
      session.close();
    }
    assert.equal(fixture.bedrock.hits[0].requestIdHeader, 'rid-123');
    assert.equal(fixture.bedrock.hits[0].traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });
});
