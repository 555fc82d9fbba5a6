import '../support/otel';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { propagation, SpanKind, SpanStatusCode, trace, type TextMapPropagator } from '@opentelemetry/api';
import { CreateTableCommand, GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ConfiguredRetryStrategy } from '@smithy/util-retry';
import {
  ATTR_AWS_APIGW_ID,
  ATTR_AWS_CALLS_DROPPED,
  ATTR_AWS_CF_ID,
  ATTR_AWS_EXTENDED_REQUEST_ID,
  ATTR_AWS_REMAPPED_REQUEST_ID,
  ATTR_AWS_REQUEST_ID,
  AWS_CALL_EVENT,
  RequestIdConfigError,
  RequestIdInstrumentation,
  type RequestIdInstrumentationConfig,
} from '../../src';
import {
  amznRequestId,
  dynamoClient,
  type Emulator,
  FAKE_CREDENTIALS,
  REGION,
  s3Client,
  type S3Emulator,
  startDynamo,
  startEndpoint,
  startS3,
} from '../support/aws-emulators';
import { get, startServer, type TestServer } from '../support/http';
import { waitFor } from '../support/wait';
import { diagLines, finishedSpans, resetSpans, undiciInstrumentation } from '../support/otel';
import { InMemorySpanExporter, simpleProcessor, type ReadableSpan } from '../support/sdk-compat';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { MAX_CALL_EVENTS } from '../../src/vendors/vendor';

interface Metadata {
  httpStatusCode?: number;
  requestId?: string;
  extendedRequestId?: string;
  attempts?: number;
}

const AWS_ATTRIBUTES = [ATTR_AWS_REQUEST_ID, ATTR_AWS_EXTENDED_REQUEST_ID, ATTR_AWS_REMAPPED_REQUEST_ID, ATTR_AWS_CF_ID, ATTR_AWS_APIGW_ID];

/** Finished CLIENT spans of calls to this port, oldest first. */
function clientSpansTo(port: number): ReadableSpan[] {
  return finishedSpans(SpanKind.CLIENT)
    .filter((s) => s.attributes['server.port'] === port)
    .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
}

async function waitForClientSpans(port: number, count: number): Promise<ReadableSpan[]> {
  return waitFor(`${count} CLIENT span(s) to port ${port}`, () => {
    const spans = clientSpansTo(port);
    return spans.length >= count && spans;
  });
}

function serverSpanOn(port: number): ReadableSpan | undefined {
  return finishedSpans(SpanKind.SERVER).find((s) => s.attributes['server.port'] === port);
}

function awsAttributesOf(span: ReadableSpan): Record<string, unknown> {
  const found: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(span.attributes)) if (key.startsWith('aws.') || key.startsWith('rid.aws.')) found[key] = value;
  return found;
}

function callEvents(span: ReadableSpan) {
  return span.events.filter((e) => e.name === AWS_CALL_EVENT);
}

async function expectRejection(promise: Promise<unknown>): Promise<{ name: string; $metadata: Metadata }> {
  try {
    await promise;
  } catch (err) {
    return err as { name: string; $metadata: Metadata };
  }
  return assert.fail('the call was expected to fail');
}

describe('AWS request IDs', () => {
  let s3: S3Emulator;
  let dynamo: Emulator;
  let bucketCount = 0;
  let instrumentations: RequestIdInstrumentation[] = [];
  let closeAfter: { close(): Promise<void> }[] = [];

  before(async () => {
    [s3, dynamo] = await Promise.all([startS3(), startDynamo()]);
  });
  after(async () => {
    await Promise.all([s3?.close(), dynamo?.close()]);
  });

  function instrument(config?: RequestIdInstrumentationConfig): RequestIdInstrumentation {
    const inst = new RequestIdInstrumentation(config);
    instrumentations.push(inst);
    return inst;
  }

  async function endpoint(handler: RequestListener): Promise<Emulator> {
    const e = await startEndpoint(handler);
    closeAfter.push(e);
    return e;
  }

  async function app(handler: RequestListener): Promise<TestServer> {
    const server = await startServer(handler);
    closeAfter.push(server);
    return server;
  }

  /** A new S3 client per test (clients keep sockets); destroyed afterwards. */
  function newS3() {
    const client = s3Client(s3.endpoint);
    closeAfter.push({ close: async () => client.destroy() });
    return client;
  }

  function newDynamo(target = dynamo.endpoint, extra = {}) {
    const client = dynamoClient(target, extra);
    closeAfter.push({ close: async () => client.destroy() });
    return client;
  }

  function newBucket(): string {
    return `rid-bucket-${++bucketCount}-${process.pid}`;
  }

  beforeEach(() => resetSpans());
  afterEach(async () => {
    for (const inst of instrumentations) inst.disable();
    instrumentations = [];
    await Promise.all(closeAfter.map((c) => c.close()));
    closeAfter = [];
    assert.deepEqual(
      diagLines.filter((l) => l.level === 'error' && /AWS/.test(l.message)),
      [],
      'no internal failure reported',
    );
  });

  describe('AWS SDK v3 against local emulators, with HttpInstrumentation', () => {
    it('S3 (s3rver): create bucket, put, get, get a missing key: each CLIENT span has the IDs its $metadata reports', async () => {
      instrument();
      const client = newS3();
      const bucket = newBucket();
      const metas: Metadata[] = [];
      metas.push((await client.send(new CreateBucketCommand({ Bucket: bucket }))).$metadata);
      metas.push((await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'greeting', Body: 'hello' }))).$metadata);
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'greeting' }));
      assert.equal(await got.Body!.transformToString(), 'hello');
      metas.push(got.$metadata);
      const missing = await expectRejection(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'missing' })));
      assert.equal(missing.name, 'NoSuchKey');
      metas.push(missing.$metadata);

      const spans = await waitForClientSpans(s3.port, 4);
      assert.equal(spans.length, 4, 'one CLIENT span per call, none of ours added next to HttpInstrumentation');
      spans.forEach((span, i) => {
        const meta = metas[i];
        assert.match(meta.requestId!, /^[A-Z0-9]{16}$/);
        assert.equal(span.instrumentationScope.name, '@opentelemetry/instrumentation-http');
        assert.equal(span.attributes[ATTR_AWS_REQUEST_ID], meta.requestId, `span ${i}`);
        assert.equal(span.attributes[ATTR_AWS_EXTENDED_REQUEST_ID], meta.extendedRequestId, `span ${i}`);
        assert.equal(typeof span.attributes[ATTR_AWS_REQUEST_ID], 'string', 'a plain string, so Jaeger tag search finds it');
        assert.equal(span.attributes['http.response.status_code'], meta.httpStatusCode);
        // And they are the IDs the endpoint sent, not something else that happens to agree.
        assert.deepEqual(s3.sent[s3.sent.length - 4 + i], { requestId: meta.requestId, extendedRequestId: meta.extendedRequestId });
      });
      assert.equal(metas[3].httpStatusCode, 404);
    });

    it('DynamoDB (dynalite): create a table, put an item and a failing call: aws.request_id equals $metadata.requestId', async () => {
      instrument();
      const client = newDynamo();
      const table = `rid-table-${process.pid}`;
      const metas: Metadata[] = [];
      metas.push(
        (
          await client.send(
            new CreateTableCommand({
              TableName: table,
              AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
              KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
              BillingMode: 'PAY_PER_REQUEST',
            }),
          )
        ).$metadata,
      );
      metas.push((await client.send(new PutItemCommand({ TableName: table, Item: { id: { S: 'one' } } }))).$metadata);
      const failed = await expectRejection(client.send(new GetItemCommand({ TableName: 'no-such-table', Key: { id: { S: 'one' } } })));
      assert.equal(failed.name, 'ResourceNotFoundException');
      metas.push(failed.$metadata);

      const spans = await waitForClientSpans(dynamo.port, 3);
      assert.equal(spans.length, 3);
      spans.forEach((span, i) => {
        assert.ok(metas[i].requestId, 'dynalite sends x-amzn-RequestId');
        assert.equal(span.attributes[ATTR_AWS_REQUEST_ID], metas[i].requestId, `span ${i}`);
        assert.equal(span.attributes[ATTR_AWS_EXTENDED_REQUEST_ID], undefined);
      });
      assert.equal(spans[2].attributes['http.response.status_code'], 400);
    });

    it('retries: each attempt has its own span and ID (503, 503, 200), though $metadata keeps only the last', async () => {
      instrument();
      const sent: string[] = [];
      const flaky = await endpoint((_req, res) => {
        const id = amznRequestId();
        sent.push(id);
        res.setHeader('x-amzn-RequestId', id);
        res.setHeader('content-type', 'application/x-amz-json-1.0');
        if (sent.length <= 2) {
          res.statusCode = 503;
          res.end('{"__type":"com.amazonaws.dynamodb.v20120810#ServiceUnavailable","message":"try again"}');
        } else {
          res.end('{"TableNames":[]}');
        }
      });
      const client = newDynamo(flaky.endpoint, { retryStrategy: new ConfiguredRetryStrategy(3, () => 0) });
      const { $metadata } = await client.send(new ListTablesCommand({}));
      assert.equal($metadata.attempts, 3);
      assert.equal($metadata.requestId, sent[2]);

      const spans = await waitForClientSpans(flaky.port, 3);
      assert.deepEqual(
        spans.map((s) => s.attributes[ATTR_AWS_REQUEST_ID]),
        sent,
      );
      assert.equal(new Set(sent).size, 3);
      assert.deepEqual(
        spans.map((s) => s.attributes['http.response.status_code']),
        [503, 503, 200],
      );
    });

    it('throttling: the throttled attempt keeps its ID too', async () => {
      instrument();
      const sent: string[] = [];
      const throttling = await endpoint((_req, res) => {
        const id = amznRequestId();
        sent.push(id);
        res.setHeader('x-amzn-RequestId', id);
        res.setHeader('content-type', 'application/x-amz-json-1.0');
        if (sent.length === 1) {
          res.statusCode = 400;
          res.end('{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate exceeded"}');
        } else {
          res.end('{"TableNames":[]}');
        }
      });
      const client = newDynamo(throttling.endpoint, { retryStrategy: new ConfiguredRetryStrategy(2, () => 0) });
      assert.equal((await client.send(new ListTablesCommand({}))).$metadata.attempts, 2);
      const spans = await waitForClientSpans(throttling.port, 2);
      assert.deepEqual(
        spans.map((s) => [s.attributes['http.response.status_code'], s.attributes[ATTR_AWS_REQUEST_ID]]),
        [
          [400, sent[0]],
          [200, sent[1]],
        ],
      );
    });
  });

  describe('HTTP-level capture (any client)', () => {
    it('API Gateway: the gateway ID, the remapped upstream ID, x-amz-apigw-id and x-amz-cf-id are all recorded', async () => {
      instrument();
      const gateway = await endpoint((_req, res) => {
        res.setHeader('x-amzn-RequestId', 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef');
        res.setHeader('x-amzn-Remapped-x-amzn-RequestId', 'f2de7cc6-b57c-438e-a736-e15d31025acf');
        res.setHeader('x-amz-apigw-id', 'DnN5sEXAMPLEtQ=');
        res.setHeader('X-Amz-Cf-Id', 'Ja7PDKbD6mGDGbsSXlLYSb8HnhVQvVgm2EXAMPLE==');
        res.end('{}');
      });
      await get(gateway.endpoint);
      const [span] = await waitForClientSpans(gateway.port, 1);
      assert.deepEqual(awsAttributesOf(span), {
        [ATTR_AWS_REQUEST_ID]: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
        [ATTR_AWS_REMAPPED_REQUEST_ID]: 'f2de7cc6-b57c-438e-a736-e15d31025acf',
        [ATTR_AWS_APIGW_ID]: 'DnN5sEXAMPLEtQ=',
        [ATTR_AWS_CF_ID]: 'Ja7PDKbD6mGDGbsSXlLYSb8HnhVQvVgm2EXAMPLE==',
      });
    });

    it('aws.request_id follows the AWS SDK v3 order: x-amzn-requestid, then x-amzn-request-id, then x-amz-request-id', async () => {
      instrument();
      const cases: [string, string][][] = [
        [
          ['X-Amzn-Request-Id', 'second'],
          ['x-amzn-requestid', 'first'],
          ['x-amz-request-id', 'third'],
        ],
        [
          ['x-amz-request-id', 'third'],
          ['x-amzn-request-id', 'second'],
        ],
        [['X-AMZ-REQUEST-ID', 'third']],
      ];
      let served = 0;
      const server = await endpoint((_req, res) => {
        const headers = cases[served++].flat();
        res.writeHead(200, headers);
        res.end();
      });
      for (let i = 0; i < cases.length; i++) await get(server.endpoint);
      const spans = await waitForClientSpans(server.port, 3);
      assert.deepEqual(
        spans.map((s) => s.attributes[ATTR_AWS_REQUEST_ID]),
        ['first', 'second', 'third'],
      );
    });

    it('non-AWS responses get no aws.* attribute and no span of ours, look-alike x-amz headers included', async () => {
      instrument();
      const plain = await endpoint((req, res) => {
        res.setHeader('x-amz-date', '20260101T000000Z');
        res.setHeader('x-amzn-trace-id', 'Root=1-5759e988-bd862e3fe1be46a994272793');
        res.setHeader('x-amz-request', 'not-an-id');
        // A downstream that kept our ID echoes it unchanged (a different one is recorded: test/capture/vendors.test.ts);
        // a generic ID header from a host no vendor lists is never recorded.
        res.setHeader('x-request-id', req.headers['x-request-id'] ?? 'someone-else');
        res.setHeader('request-id', 'someone-else');
        res.end('hello');
      });
      const server = await app(async (_req, res) => {
        await get(plain.endpoint);
        await (await fetch(plain.endpoint)).text();
        res.end('ok');
      });
      await get(server.url);
      await waitFor('the SERVER span', () => serverSpanOn(server.port));
      await waitFor('undici and http CLIENT spans', () => clientSpansTo(plain.port).length >= 2);
      await new Promise((r) => setTimeout(r, 20));
      for (const span of finishedSpans()) assert.deepEqual(awsAttributesOf(span), {}, span.name);
      assert.deepEqual(
        clientSpansTo(plain.port).map((s) => s.instrumentationScope.name).sort(),
        ['@opentelemetry/instrumentation-http', '@opentelemetry/instrumentation-undici'],
      );
      assert.equal(callEvents(serverSpanOn(server.port)!).length, 0);
      assert.equal(finishedSpans().filter((s) => s.instrumentationScope.name === '@rid/otel').length, 0);
    });

    it('AWS SDK v2 (over node:http): each CLIENT span carries the IDs the SDK reports, errors included', async () => {
      instrument();
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const AWS = require('aws-sdk') as typeof import('aws-sdk');
      const v2Dynamo = new AWS.DynamoDB({ endpoint: dynamo.endpoint, region: REGION, credentials: FAKE_CREDENTIALS, maxRetries: 0 });
      const v2S3 = new AWS.S3({ endpoint: s3.endpoint, region: REGION, credentials: FAKE_CREDENTIALS, s3ForcePathStyle: true, maxRetries: 0 });
      const listed = await v2Dynamo.listTables({}).promise();
      const failed = (await expectRejection(v2Dynamo.describeTable({ TableName: 'no-such-table' }).promise())) as unknown as { requestId: string };
      const s3Failed = (await expectRejection(v2S3.getObject({ Bucket: 'no-such-bucket', Key: 'k' }).promise())) as unknown as {
        requestId: string;
        extendedRequestId: string;
      };
      const dynamoSpans = await waitForClientSpans(dynamo.port, 2);
      assert.deepEqual(
        dynamoSpans.map((s) => s.attributes[ATTR_AWS_REQUEST_ID]),
        [listed.$response.requestId, failed.requestId],
      );
      const [s3Span] = await waitForClientSpans(s3.port, 1);
      assert.equal(s3Span.attributes[ATTR_AWS_REQUEST_ID], s3Failed.requestId);
      assert.equal(s3Span.attributes[ATTR_AWS_EXTENDED_REQUEST_ID], s3Failed.extendedRequestId);
    });
  });

  describe('the incoming request that made the calls', () => {
    it('S3 and DynamoDB inside a request: the SERVER span has request.id and one aws.call event per call; the CLIENT spans carry request.id', async () => {
      instrument();
      const s3c = newS3();
      const ddb = newDynamo();
      const bucket = newBucket();
      const metas: Metadata[] = [];
      const server = await app(async (_req: IncomingMessage, res: ServerResponse) => {
        try {
          metas.push((await s3c.send(new CreateBucketCommand({ Bucket: bucket }))).$metadata);
          metas.push((await s3c.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v' }))).$metadata);
          metas.push((await ddb.send(new ListTablesCommand({}))).$metadata);
          res.end('done');
        } catch (err) {
          res.statusCode = 500;
          res.end(String(err));
        }
      });
      const res = await get(server.url);
      assert.equal(res.status, 200, res.body);
      const id = res.headers['x-request-id'] as string;

      const serverSpan = await waitFor('the SERVER span', () => serverSpanOn(server.port));
      assert.equal(serverSpan.attributes['request.id'], id);
      const events = callEvents(serverSpan);
      assert.equal(events.length, 3);
      assert.deepEqual(
        events.map((e) => e.attributes![ATTR_AWS_REQUEST_ID]),
        metas.map((m) => m.requestId),
      );
      assert.deepEqual(
        events.map((e) => e.attributes![ATTR_AWS_EXTENDED_REQUEST_ID]),
        metas.map((m) => m.extendedRequestId),
      );
      for (const e of events) {
        assert.equal(e.attributes!['server.address'], '127.0.0.1');
        assert.equal(e.attributes!['http.response.status_code'], 200);
      }
      assert.deepEqual(
        events.map((e) => e.attributes!['http.request.method']),
        ['PUT', 'PUT', 'POST'],
      );

      const awsSpans = [...(await waitForClientSpans(s3.port, 2)), ...(await waitForClientSpans(dynamo.port, 1))];
      assert.equal(awsSpans.length, 3);
      for (const span of awsSpans) {
        assert.equal(span.attributes['request.id'], id, 'RequestIdSpanProcessor stamps the AWS CLIENT spans');
        assert.equal(span.parentSpanContext?.traceId, serverSpan.spanContext().traceId);
      }
      assert.deepEqual(
        new Set(awsSpans.map((s) => s.attributes[ATTR_AWS_REQUEST_ID])),
        new Set(metas.map((m) => m.requestId)),
      );
    });

    it(`at most ${MAX_CALL_EVENTS} aws.call events per request; the rest are counted in ${ATTR_AWS_CALLS_DROPPED}`, async () => {
      instrument();
      const calls = MAX_CALL_EVENTS + 3;
      let n = 0;
      const aws = await endpoint((_req, res) => {
        res.setHeader('x-amzn-RequestId', `call-${++n}`);
        res.end();
      });
      const server = await app(async (_req, res) => {
        for (let i = 0; i < calls; i++) await get(aws.endpoint);
        res.end();
      });
      await get(server.url);
      const serverSpan = await waitFor('the SERVER span', () => serverSpanOn(server.port));
      const events = callEvents(serverSpan);
      assert.equal(events.length, MAX_CALL_EVENTS);
      assert.equal(events[0].attributes![ATTR_AWS_REQUEST_ID], 'call-1');
      assert.equal(events[MAX_CALL_EVENTS - 1].attributes![ATTR_AWS_REQUEST_ID], `call-${MAX_CALL_EVENTS}`);
      assert.equal(serverSpan.attributes[ATTR_AWS_CALLS_DROPPED], 3);
      // The CLIENT spans past the bound still have their IDs.
      const spans = await waitForClientSpans(aws.port, calls);
      assert.equal(spans[calls - 1].attributes[ATTR_AWS_REQUEST_ID], `call-${calls}`);
    });

    it('two instances (or two copies of the package) record each response once', async () => {
      instrument();
      instrument({ algorithm: 'nanoid' });
      const aws = await endpoint((_req, res) => {
        res.setHeader('x-amzn-RequestId', amznRequestId());
        res.end();
      });
      const server = await app(async (_req, res) => {
        await get(aws.endpoint);
        await (await fetch(aws.endpoint)).text();
        res.end();
      });
      await get(server.url);
      const serverSpan = await waitFor('the SERVER span', () => serverSpanOn(server.port));
      assert.equal(callEvents(serverSpan).length, 2);
      await waitFor('our span for the fetch call', () => finishedSpans().find((s) => s.instrumentationScope.name === '@rid/otel'));
      assert.equal(finishedSpans().filter((s) => s.instrumentationScope.name === '@rid/otel').length, 1);
    });
  });

  describe('fetch (undici)', () => {
    function awsLike(status = 200) {
      let n = 0;
      return endpoint((_req, res) => {
        res.statusCode = status;
        res.setHeader('x-amzn-RequestId', `fetch-${++n}`);
        res.setHeader('x-amz-id-2', 'ZXh0ZW5kZWQ=');
        res.end('{}');
      });
    }

    it("with instrumentation-undici: the IDs go on a child of its CLIENT span (its span is out of reach), and on the SERVER span's events", async () => {
      instrument();
      const aws = await awsLike();
      const server = await app(async (_req, res) => {
        await (await fetch(`${aws.endpoint}/path`)).text();
        res.end();
      });
      const id = (await get(server.url)).headers['x-request-id'];
      const ours = await waitFor('our span', () => finishedSpans().find((s) => s.instrumentationScope.name === '@rid/otel'));
      const [undiciSpan] = clientSpansTo(aws.port).filter((s) => s.instrumentationScope.name === '@opentelemetry/instrumentation-undici');
      assert.ok(undiciSpan, 'instrumentation-undici made its CLIENT span');
      assert.equal(ours.kind, SpanKind.INTERNAL, 'not a second CLIENT span for one call');
      assert.equal(ours.parentSpanContext?.spanId, undiciSpan.spanContext().spanId);
      assert.deepEqual(awsAttributesOf(ours), { [ATTR_AWS_REQUEST_ID]: 'fetch-1', [ATTR_AWS_EXTENDED_REQUEST_ID]: 'ZXh0ZW5kZWQ=' });
      assert.equal(ours.attributes['request.id'], id);
      const serverSpan = await waitFor('the SERVER span', () => serverSpanOn(server.port));
      assert.deepEqual(
        callEvents(serverSpan).map((e) => e.attributes![ATTR_AWS_REQUEST_ID]),
        ['fetch-1'],
      );
    });

    it('with instrumentation-undici and the X-Ray propagator, or none: still no second CLIENT span', async () => {
      instrument();
      const aws = await awsLike();
      const api = propagation as unknown as { _getGlobalPropagator(): TextMapPropagator };
      const original = api._getGlobalPropagator();
      // What the AWS X-Ray propagator writes.
      const xray: TextMapPropagator = {
        inject(ctx, carrier, setter) {
          const sc = trace.getSpanContext(ctx);
          if (sc === undefined) return;
          const root = `1-${sc.traceId.slice(0, 8)}-${sc.traceId.slice(8)}`;
          setter.set(carrier, 'X-Amzn-Trace-Id', `Root=${root};Parent=${sc.spanId};Sampled=${sc.traceFlags & 1}`);
        },
        extract: (ctx) => ctx,
        fields: () => ['X-Amzn-Trace-Id'],
      };
      const none: TextMapPropagator = { inject: () => undefined, extract: (ctx) => ctx, fields: () => [] };
      const seen: { ours: ReadableSpan; undici: ReadableSpan }[] = [];
      try {
        for (const propagator of [xray, none]) {
          propagation.disable();
          propagation.setGlobalPropagator(propagator);
          resetSpans();
          await (await fetch(aws.endpoint)).text();
          const ours = await waitFor('our span', () => finishedSpans().find((s) => s.instrumentationScope.name === '@rid/otel'));
          const [undici] = await waitForClientSpans(aws.port, 1);
          seen.push({ ours, undici });
        }
      } finally {
        propagation.disable();
        propagation.setGlobalPropagator(original);
      }
      const [withXray, withNone] = seen;
      assert.equal(withXray.undici.instrumentationScope.name, '@opentelemetry/instrumentation-undici');
      assert.equal(withXray.ours.kind, SpanKind.INTERNAL);
      assert.equal(withXray.ours.parentSpanContext?.spanId, withXray.undici.spanContext().spanId, 'a child of the undici span of its call');
      assert.equal(withXray.ours.spanContext().traceId, withXray.undici.spanContext().traceId);
      assert.equal(withXray.ours.attributes[ATTR_AWS_REQUEST_ID], 'fetch-1');
      // Without a trace header the undici span cannot be found: an INTERNAL span of the caller, not a second CLIENT one.
      assert.equal(withNone.undici.instrumentationScope.name, '@opentelemetry/instrumentation-undici');
      assert.equal(withNone.ours.kind, SpanKind.INTERNAL);
      assert.equal(withNone.ours.attributes[ATTR_AWS_REQUEST_ID], 'fetch-2');
    });

    it('without instrumentation-undici: our own CLIENT span, ended with the body, with the IDs and the error status', async () => {
      instrument();
      const aws = await awsLike(500);
      undiciInstrumentation.disable();
      try {
        const server = await app(async (_req, res) => {
          await (await fetch(`${aws.endpoint}/one`)).text();
          await (await fetch(`${aws.endpoint}/two`)).text();
          res.end();
        });
        const first = (await get(server.url)).headers['x-request-id'];
        const second = (await get(server.url)).headers['x-request-id'];
        const spans = await waitForClientSpans(aws.port, 4);
        assert.equal(spans.length, 4);
        for (const span of spans) {
          assert.equal(span.instrumentationScope.name, '@rid/otel');
          assert.equal(span.name, 'GET');
          assert.equal(span.attributes['http.response.status_code'], 500);
          assert.equal(span.attributes['server.address'], '127.0.0.1');
          assert.equal(span.status.code, SpanStatusCode.ERROR);
        }
        assert.deepEqual(
          spans.map((s) => s.attributes[ATTR_AWS_REQUEST_ID]),
          ['fetch-1', 'fetch-2', 'fetch-3', 'fetch-4'],
        );
        // The keep-alive socket was opened during the first request: the second one's spans must not inherit its ID.
        assert.deepEqual(
          spans.map((s) => s.attributes['request.id']),
          [first, first, second, second],
        );
      } finally {
        undiciInstrumentation.enable();
      }
    });
  });

  describe('captureAwsRequestIds', () => {
    it('false: nothing is recorded, on any span, for http, fetch or the SDK', async () => {
      instrument({ captureAwsRequestIds: false });
      const aws = await endpoint((_req, res) => {
        res.setHeader('x-amzn-RequestId', amznRequestId());
        res.setHeader('x-amz-id-2', 'ZXh0ZW5kZWQ=');
        res.end('{}');
      });
      const ddb = newDynamo();
      const server = await app(async (_req, res) => {
        await get(aws.endpoint);
        await (await fetch(aws.endpoint)).text();
        await ddb.send(new ListTablesCommand({}));
        res.end();
      });
      await get(server.url);
      await waitFor('the SERVER span', () => serverSpanOn(server.port));
      await waitForClientSpans(dynamo.port, 1);
      await waitForClientSpans(aws.port, 2);
      await new Promise((r) => setTimeout(r, 20));
      for (const span of finishedSpans()) {
        assert.deepEqual(awsAttributesOf(span), {}, span.name);
        assert.equal(callEvents(span).length, 0);
        assert.notEqual(span.instrumentationScope.name, '@rid/otel');
      }
    });

    it('disable() stops the capture', async () => {
      const inst = instrument();
      inst.disable();
      const aws = await endpoint((_req, res) => {
        res.setHeader('x-amzn-RequestId', 'after-disable');
        res.end();
      });
      await get(aws.endpoint);
      const [span] = await waitForClientSpans(aws.port, 1);
      assert.equal(span.attributes[ATTR_AWS_REQUEST_ID], undefined);
    });

    it('setConfig applies it at run time: off stops the capture, on starts it again', async () => {
      const inst = instrument();
      const aws = await endpoint((req, res) => {
        res.setHeader('x-amzn-RequestId', `id-${req.url!.slice(1)}`);
        res.end();
      });
      inst.setConfig({ captureAwsRequestIds: false });
      await get(`${aws.endpoint}/off`);
      inst.setConfig({ captureAwsRequestIds: true });
      await get(`${aws.endpoint}/on`);
      const spans = await waitForClientSpans(aws.port, 2);
      const byPath = Object.fromEntries(spans.map((span) => [new URL(String(span.attributes['url.full'] ?? span.attributes['http.url'])).pathname, span.attributes[ATTR_AWS_REQUEST_ID]]));
      assert.deepEqual(byPath, { '/off': undefined, '/on': 'id-on' });
    });

    it("the spans it makes itself come from the instrumentation's tracer (setTracerProvider is honoured)", async () => {
      const own = new InMemorySpanExporter();
      const inst = instrument();
      inst.setTracerProvider(new TracerProvider({ spanProcessors: [simpleProcessor(own)] }));
      const aws = await endpoint((_req, res) => {
        res.setHeader('x-amzn-RequestId', 'from-own-provider');
        res.end();
      });
      undiciInstrumentation.disable();
      try {
        await (await fetch(aws.endpoint)).text();
        const span = await waitFor('our CLIENT span, at the provider set on the instrumentation', () => own.getFinishedSpans()[0]);
        assert.equal(span.attributes[ATTR_AWS_REQUEST_ID], 'from-own-provider');
        assert.equal(span.instrumentationScope.name, '@rid/otel');
        assert.equal(finishedSpans().filter((s) => s.instrumentationScope.name === '@rid/otel').length, 0, 'nothing at the global provider');
      } finally {
        undiciInstrumentation.enable();
      }
    });

    it('must be a boolean', () => {
      assert.throws(
        () => new RequestIdInstrumentation({ captureAwsRequestIds: 'yes' as unknown as boolean }),
        (err: unknown) => err instanceof RequestIdConfigError && /captureAwsRequestIds/.test(err.message),
      );
    });
  });

  describe('instrumentation-aws-sdk cooperation and no HttpInstrumentation (separate processes)', function () {
    // Two processes that load the SDK: a few seconds each, more on a busy machine.
    this.timeout(60000);
    const run = promisify(execFile);
    const fixture = join(__dirname, '..', 'fixtures', 'aws-sdk-app.ts');

    interface FixtureSpan {
      spanId: string;
      parentSpanId: string | null;
      kind: string;
      name: string;
      scope: string;
      attributes: Record<string, unknown>;
      events: { name: string; attributes: Record<string, unknown> }[];
      writes: Record<string, number>;
    }
    interface FixtureResult {
      incoming: { status: number; id: string };
      metadata: Record<'createBucket' | 'putObject' | 'getMissing' | 'listTables' | 'flaky', Metadata>;
      flakySent: string[];
      s3Sent: { requestId: string; extendedRequestId: string }[];
      ports: Record<'app' | 's3' | 'dynamo' | 'flaky' | 'gateway' | 'plain', number>;
      spans: FixtureSpan[];
    }

    const results = new Map<string, Promise<FixtureResult>>();
    function fixtureRun(mode: string): Promise<FixtureResult> {
      let result = results.get(mode);
      if (result === undefined) {
        result = run(process.execPath, ['-r', 'ts-node/register/transpile-only', fixture, mode], {
          cwd: join(__dirname, '..', '..'),
          timeout: 50000,
        }).then(({ stdout }) => JSON.parse(stdout.trim().split('\n').pop()!) as FixtureResult);
        results.set(mode, result);
      }
      return result;
    }
    // Both processes start at once: they take a few seconds each, mostly loading the SDK.
    before(() => {
      for (const mode of ['http+aws-sdk', 'aws-sdk-only']) fixtureRun(mode).catch(() => undefined);
    });

    const OPERATIONS = [
      ['S3.CreateBucket', 'createBucket'],
      ['S3.PutObject', 'putObject'],
      ['S3.GetObject', 'getMissing'],
      ['DynamoDB.ListTables', 'listTables'],
    ] as const;

    function operationSpans(result: FixtureResult): FixtureSpan[] {
      return result.spans.filter((s) => s.scope === '@opentelemetry/instrumentation-aws-sdk');
    }

    function childrenOf(result: FixtureResult, span: FixtureSpan): FixtureSpan[] {
      return result.spans.filter((s) => s.parentSpanId === span.spanId && s.kind === 'CLIENT');
    }

    function checkNoDoubleWrites(result: FixtureResult, flakyOperation: FixtureSpan): void {
      for (const span of result.spans) {
        for (const [key, count] of Object.entries(span.writes)) {
          // The operation span spans three attempts: its aws.request_id follows the last one.
          const allowed = span === flakyOperation && key === ATTR_AWS_REQUEST_ID ? 3 : 1;
          assert.ok(count <= allowed, `${span.name} (${span.scope}): ${key} written ${count} times`);
        }
        // We write the semconv names only: instrumentation-aws-sdk's own keys come from it alone.
        if (span.scope !== '@opentelemetry/instrumentation-aws-sdk') {
          assert.equal(span.attributes['aws.request.id'], undefined, span.name);
          assert.equal(span.attributes['aws.request.extended_id'], undefined, span.name);
        }
      }
    }

    for (const mode of ['http+aws-sdk', 'aws-sdk-only']) {
      it(`${mode}: the operation spans get aws.request_id (= $metadata and their own aws.request.id), each attempt span its own, nothing written twice`, async () => {
        const result = await fixtureRun(mode);
        assert.equal(result.incoming.status, 200);
        const ops = operationSpans(result);
        const httpScope = mode === 'http+aws-sdk' ? '@opentelemetry/instrumentation-http' : '@rid/otel';
        for (const [name, key] of OPERATIONS) {
          const op = ops.find((s) => s.name === name);
          assert.ok(op, `${name} span`);
          const meta = result.metadata[key];
          assert.equal(op.attributes[ATTR_AWS_REQUEST_ID], meta.requestId, name);
          assert.equal(op.attributes[ATTR_AWS_EXTENDED_REQUEST_ID], meta.extendedRequestId, name);
          if (op.attributes['aws.request.id'] !== undefined) assert.equal(op.attributes['aws.request.id'], meta.requestId);
          assert.equal(op.attributes['request.id'], result.incoming.id);
          const [attempt, ...more] = childrenOf(result, op);
          assert.equal(more.length, 0, `${name}: one attempt`);
          assert.equal(attempt.scope, httpScope);
          assert.equal(attempt.attributes[ATTR_AWS_REQUEST_ID], meta.requestId);
          assert.equal(attempt.attributes[ATTR_AWS_EXTENDED_REQUEST_ID], meta.extendedRequestId);
          assert.equal(attempt.attributes['request.id'], result.incoming.id);
        }
        // S3's IDs are the ones the proxy sent.
        assert.deepEqual(result.s3Sent.slice(0, 3), [
          { requestId: result.metadata.createBucket.requestId, extendedRequestId: result.metadata.createBucket.extendedRequestId },
          { requestId: result.metadata.putObject.requestId, extendedRequestId: result.metadata.putObject.extendedRequestId },
          { requestId: result.metadata.getMissing.requestId, extendedRequestId: result.metadata.getMissing.extendedRequestId },
        ]);

        const flakyOp = ops.find((s) => s.name === 'DynamoDB.ListTables' && s.attributes[ATTR_AWS_REQUEST_ID] === result.metadata.flaky.requestId);
        assert.ok(flakyOp, 'the retried operation span holds the last attempt ID');
        assert.equal(result.metadata.flaky.attempts, 3);
        const attempts = childrenOf(result, flakyOp);
        assert.deepEqual(
          attempts.map((s) => s.attributes[ATTR_AWS_REQUEST_ID]),
          result.flakySent,
        );
        assert.equal(new Set(result.flakySent).size, 3);
        checkNoDoubleWrites(result, flakyOp);

        // A plain http call to an API Gateway-like endpoint, outside any request.
        const gateway = result.spans.filter((s) => s.kind === 'CLIENT' && s.attributes['server.port'] === result.ports.gateway);
        assert.equal(gateway.length, 1);
        assert.equal(gateway[0].scope, httpScope);
        assert.equal(gateway[0].attributes[ATTR_AWS_REMAPPED_REQUEST_ID], 'upstream-request-id');
        // A non-AWS call: no span of ours, and nothing on HttpInstrumentation's.
        const plain = result.spans.filter((s) => s.kind === 'CLIENT' && s.attributes['server.port'] === result.ports.plain);
        assert.equal(plain.length, mode === 'http+aws-sdk' ? 1 : 0);
        for (const span of plain) assert.deepEqual(Object.keys(span.attributes).filter((k) => k.startsWith('aws.')), []);
      });
    }

    it('http+aws-sdk: one aws.call event per attempt on the SERVER span (7: four operations plus three attempts of one)', async () => {
      const result = await fixtureRun('http+aws-sdk');
      const server = result.spans.find((s) => s.kind === 'SERVER' && s.attributes['server.port'] === result.ports.app);
      assert.ok(server);
      assert.equal(server.attributes['request.id'], result.incoming.id);
      const events = server.events.filter((e) => e.name === AWS_CALL_EVENT);
      assert.deepEqual(
        events.map((e) => e.attributes[ATTR_AWS_REQUEST_ID]),
        [
          result.metadata.createBucket.requestId,
          result.metadata.putObject.requestId,
          result.metadata.getMissing.requestId,
          result.metadata.listTables.requestId,
          ...result.flakySent,
        ],
      );
      assert.deepEqual(
        events.map((e) => e.attributes['http.response.status_code']),
        [200, 200, 404, 200, 503, 503, 200],
      );
    });
  });

  it('every attribute name is exported and distinct; only the semantic conventions\' own names are in aws.*, ours in rid.aws.*', () => {
    assert.equal(new Set(AWS_ATTRIBUTES).size, 5);
    for (const name of AWS_ATTRIBUTES) assert.match(name, /^(rid\.)?aws\.[a-z_]+$/);
    const semconv = [ATTR_AWS_REQUEST_ID, ATTR_AWS_EXTENDED_REQUEST_ID];
    assert.deepEqual(AWS_ATTRIBUTES.filter((name) => name.startsWith('aws.')), semconv);
    assert.deepEqual([ATTR_AWS_REMAPPED_REQUEST_ID, ATTR_AWS_CF_ID, ATTR_AWS_APIGW_ID, ATTR_AWS_CALLS_DROPPED].filter((name) => !name.startsWith('rid.aws.')), []);
  });
});
