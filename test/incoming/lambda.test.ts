import '../support/otel';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { propagation, SpanKind, trace } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { AwsLambdaInstrumentation } from '@opentelemetry/instrumentation-aws-lambda';
import { getRequestId, RequestIdInstrumentation, RequestIdLogRecordProcessor, RequestIdPropagator, type RequestIdInstrumentationConfig } from '../../src';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { finishedSpans, provider, resetSpans } from '../support/otel';
import * as net from 'node:net';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** API Gateway REST (payload 1.0), trimmed from AWS's documented example. */
function restEvent(headers: Record<string, string[]> = {}, sourceIp = '203.0.113.7'): Record<string, unknown> {
  const single = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v[v.length - 1]]));
  return {
    resource: '/orders/{id}',
    path: '/orders/42',
    httpMethod: 'GET',
    headers: { Host: 'abc123.execute-api.us-east-1.amazonaws.com', ...single },
    multiValueHeaders: { Host: ['abc123.execute-api.us-east-1.amazonaws.com'], ...headers },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      httpMethod: 'GET',
      path: '/prod/orders/42',
      protocol: 'HTTP/1.1',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      extendedRequestId: 'Q7tKfGbXoAMEUVQ=',
      stage: 'prod',
      identity: { sourceIp },
    },
    body: null,
    isBase64Encoded: false,
  };
}

/** An ALB target group with multi-value headers on: `multiValueHeaders` only. */
function albMultiEvent(headers: Record<string, string[]> = {}): Record<string, unknown> {
  return {
    requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/lambda-tg/49e9d65c45c6791a' } },
    httpMethod: 'GET',
    path: '/lambda',
    multiValueQueryStringParameters: {},
    multiValueHeaders: {
      'x-amzn-trace-id': ['Root=1-5c536348-3d683b8b04734faae651f476'],
      'x-forwarded-for': ['198.51.100.9, 10.0.0.5'],
      ...headers,
    },
    body: '',
    isBase64Encoded: false,
  };
}

function sqsEvent(...ids: (string | undefined)[]): Record<string, unknown> {
  return {
    Records: ids.map((id, i) => ({
      messageId: `059f36b4-87a3-44ab-83d2-66197523${String(i).padStart(4, '0')}`,
      body: 'hello',
      messageAttributes: id === undefined ? {} : { 'x-request-id': { stringValue: id, dataType: 'String', stringListValues: [], binaryListValues: [] } },
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:orders',
      awsRegion: 'us-east-1',
    })),
  };
}

/** The context object the runtime passes: plain data and a few functions. */
function lambdaContext(awsRequestId = '8476a536-e9f4-11e8-9739-2dfe598c3fcd'): Record<string, unknown> {
  return {
    awsRequestId,
    functionName: 'orders',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders',
    memoryLimitInMB: '128',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 3000,
  };
}

type Handler = (event: unknown, context: unknown, callback?: (error: unknown, result?: unknown) => void) => unknown;

/**
 * The handler module as Lambda loads it (LAMBDA_TASK_ROOT + _HANDLER), patched by the real
 * instrumentation-aws-lambda and RequestIdInstrumentation in the order given, with the test's SDK
 * (RequestIdSpanProcessor, in-memory exporter) and propagators (W3C + RequestIdPropagator).
 */
describe('AWS Lambda invocations (in process, with instrumentation-aws-lambda)', () => {
  const saved = { ...process.env };
  let dir: string;
  let instrumentations: { disable(): void }[] = [];
  let counter = 0;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rid-lambda-'));
    resetSpans();
    propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new RequestIdPropagator()] }));
  });
  afterEach(() => {
    for (const i of [...instrumentations].reverse()) i.disable();
    instrumentations = [];
    // Back to the suite's propagators (test/support/sdk-compat.ts).
    propagation.disable();
    propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes `source` as the handler module, patches it, and returns the export Lambda would call. */
  function load(source: string, options: { order?: 'register' | 'ours-first'; config?: RequestIdInstrumentationConfig; runtime?: string; second?: RequestIdInstrumentationConfig } = {}): Handler {
    const name = `fn${++counter}`;
    writeFileSync(join(dir, `${name}.js`), source);
    process.env.LAMBDA_TASK_ROOT = dir;
    process.env._HANDLER = `${name}.handler`;
    process.env.AWS_EXECUTION_ENV = options.runtime ?? 'AWS_Lambda_nodejs24.x';
    // register constructs the other instrumentations first, then ours (src/register/start.ts).
    const make = [() => new AwsLambdaInstrumentation(), () => new RequestIdInstrumentation(options.config)];
    if (options.order === 'ours-first') make.reverse();
    if (options.second !== undefined) make.push(() => new RequestIdInstrumentation(options.second));
    instrumentations.push(...make.map((m) => m()));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(join(dir, `${name}.js`)).handler as Handler;
  }

  const echoing = `
    const { getRequestId } = require(${JSON.stringify(require.resolve('../../src'))});
    const { trace } = require(${JSON.stringify(require.resolve('@opentelemetry/api'))});
    exports.handler = async (event) => {
      await new Promise((r) => setTimeout(r, 1));
      trace.getTracer('app').startSpan('work').end();
      return { statusCode: 200, body: JSON.stringify({ seen: getRequestId() }) };
    };`;

  function invocationSpan() {
    const spans = finishedSpans(SpanKind.SERVER);
    assert.equal(spans.length, 1, 'one invocation span');
    return spans[0];
  }

  for (const order of ['register', 'ours-first'] as const) {
    describe(`instrumentations constructed ${order === 'register' ? 'as register does (ours last)' : 'ours first'}`, () => {
      it('API Gateway REST, no header: a new ID in the handler, the echo, and the invocation span with the API Gateway IDs', async () => {
        const handler = load(echoing, { order });
        const result = (await handler(restEvent(), lambdaContext())) as { headers: Record<string, string>; body: string };
        const id = result.headers['X-Request-Id'];
        assert.match(id, UUID);
        assert.equal(JSON.parse(result.body).seen, id);
        const span = invocationSpan();
        assert.equal(span.attributes['request.id'], id);
        assert.equal(span.attributes['faas.invocation_id'], '8476a536-e9f4-11e8-9739-2dfe598c3fcd');
        assert.equal(span.attributes['rid.aws.apigw.request_id'], 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef');
        assert.equal(span.attributes['rid.aws.apigw_id'], 'Q7tKfGbXoAMEUVQ=');
        const work = finishedSpans().find((s) => s.name === 'work');
        assert.equal(work?.attributes['request.id'], id);
        assert.equal(work?.spanContext().traceId, span.spanContext().traceId);
      });

      it('a valid incoming header is reused and echoed; the caller trace context is continued', async () => {
        const handler = load(echoing, { order });
        const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
        const result = (await handler(restEvent({ 'X-Request-Id': ['client-42'], traceparent: [traceparent] }), lambdaContext())) as { headers: Record<string, string>; body: string };
        assert.equal(result.headers['X-Request-Id'], 'client-42');
        assert.equal(JSON.parse(result.body).seen, 'client-42');
        const span = invocationSpan();
        assert.equal(span.attributes['request.id'], 'client-42');
        assert.equal(span.spanContext().traceId, '0af7651916cd43dd8448eb211c80319c');
      });
    });
  }

  it('a repeated or invalid header is never reused: a new ID, the original kept escaped', async () => {
    const handler = load(echoing);
    const repeated = (await handler(restEvent({ 'x-request-id': ['a', 'b'] }), lambdaContext())) as { headers: Record<string, string> };
    assert.match(repeated.headers['X-Request-Id'], UUID);
    resetSpans();
    const bad = (await handler(restEvent({ 'x-request-id': ['<script>'] }), lambdaContext())) as { headers: Record<string, string> };
    assert.match(bad.headers['X-Request-Id'], UUID);
    assert.equal(invocationSpan().attributes['request.id.original'], '<script>');
  });

  it('trustIncoming checks the client address API Gateway saw (requestContext.identity.sourceIp)', async () => {
    const handler = load(echoing, { config: { trustIncoming: ['203.0.113.0/24'] } });
    const trusted = (await handler(restEvent({ 'x-request-id': ['from-inside'] }, '203.0.113.7'), lambdaContext())) as { headers: Record<string, string> };
    assert.equal(trusted.headers['X-Request-Id'], 'from-inside');
    const outside = (await handler(restEvent({ 'x-request-id': ['from-outside'] }, '198.51.100.1'), lambdaContext())) as { headers: Record<string, string> };
    assert.match(outside.headers['X-Request-Id'], UUID);
  });

  it('ALB with multi-value headers: the echo goes in multiValueHeaders, trust reads the address the ALB appended, the trace ID is on the span', async () => {
    const handler = load(echoing, { config: { trustIncoming: ['10.0.0.5'] } });
    const result = (await handler(albMultiEvent({ 'x-request-id': ['alb-7'] }), lambdaContext())) as Record<string, Record<string, unknown>>;
    assert.deepEqual(result.multiValueHeaders['X-Request-Id'], ['alb-7']);
    assert.equal(result.headers, undefined);
    assert.equal(invocationSpan().attributes['rid.aws.alb.trace_id'], 'Root=1-5c536348-3d683b8b04734faae651f476');
  });

  it('a header the handler set wins, and a result that is not a proxy result is left alone', async () => {
    const own = load(`exports.handler = async () => ({ statusCode: 201, headers: { 'x-request-id': 'mine' } });`);
    assert.deepEqual(await own(restEvent(), lambdaContext()), { statusCode: 201, headers: { 'x-request-id': 'mine' } });
    const plain = load(`exports.handler = async () => ({ ok: true });`);
    assert.deepEqual(await plain(restEvent(), lambdaContext()), { ok: true });
  });

  it('SQS: the ID the messages carry, one for the invocation; records that disagree get a new one', async () => {
    const handler = load(`const { getRequestId } = require(${JSON.stringify(require.resolve('../../src'))}); exports.handler = async () => getRequestId();`);
    assert.equal(await handler(sqsEvent('queued-1', undefined, 'queued-1'), lambdaContext()), 'queued-1');
    const spans = finishedSpans(SpanKind.SERVER);
    assert.equal(spans[spans.length - 1].attributes['request.id'], 'queued-1');
    const mixed = await handler(sqsEvent('queued-1', 'queued-2'), lambdaContext());
    assert.match(mixed as string, UUID);
  });

  it('a direct invocation gets a new ID, and the ID a caller put in the client context when there is one', async () => {
    const handler = load(`const { getRequestId } = require(${JSON.stringify(require.resolve('../../src'))}); exports.handler = async () => getRequestId();`);
    assert.match((await handler({ any: 'json' }, lambdaContext())) as string, UUID);
    const withCaller = { ...lambdaContext(), clientContext: { Custom: { 'x-request-id': 'caller-9' } } };
    assert.equal(await handler({ any: 'json' }, withCaller), 'caller-9');
  });

  it('a callback handler on nodejs22.x: getRequestId() in the handler and the echo through the callback', async () => {
    const handler = load(
      `const { getRequestId } = require(${JSON.stringify(require.resolve('../../src'))});
       exports.handler = function (event, context, callback) { setTimeout(() => callback(null, { statusCode: 200, body: getRequestId() }), 1); };`,
      { runtime: 'AWS_Lambda_nodejs22.x' },
    );
    assert.equal(handler.length, 3);
    const result = await new Promise<Record<string, unknown>>((resolve, reject) => {
      handler(restEvent(), lambdaContext(), (error, value) => (error ? reject(error as Error) : resolve(value as Record<string, unknown>)));
    });
    assert.equal((result.headers as Record<string, string>)['X-Request-Id'], result.body);
    assert.equal(invocationSpan().attributes['request.id'], result.body);
  });

  it('a synchronous handler: its value comes back as it is (not a promise), with the echo', () => {
    const handler = load(`exports.handler = (event, context) => ({ statusCode: 204 });`);
    const result = handler(restEvent(), lambdaContext()) as { statusCode: number; headers: Record<string, string> };
    assert.ok(!(result instanceof Promise), 'a promise in place of the value changes what the runtime does with it');
    assert.equal(result.statusCode, 204);
    assert.match(result.headers['X-Request-Id'], UUID);
  });

  it('keeps a two-parameter handler at two parameters (the nodejs24.x runtime refuses three)', () => {
    const handler = load(`exports.handler = async (event, context) => 1;`);
    assert.equal(handler.length, 2);
  });

  it("algorithm 'trace_id': the new ID is the invocation's trace ID", async () => {
    const handler = load(echoing, { config: { algorithm: 'trace_id' } });
    const result = (await handler(restEvent(), lambdaContext())) as { headers: Record<string, string> };
    assert.match(result.headers['X-Request-Id'], /^[0-9a-f]{32}$/);
    assert.equal(invocationSpan().spanContext().traceId, result.headers['X-Request-Id']);
  });

  it('two instances (or two copies of the package): the outer one decides, the inner one keeps its ID', async () => {
    const handler = load(echoing, { second: { algorithm: 'nanoid' } });
    const result = (await handler(restEvent(), lambdaContext())) as { headers: Record<string, string>; body: string };
    assert.match(result.headers['X-Request-Id'], /^[A-Za-z0-9_-]{21}$/, 'the outer (nanoid) instance decided');
    assert.equal(JSON.parse(result.body).seen, result.headers['X-Request-Id']);
    assert.equal(invocationSpan().attributes['request.id'], result.headers['X-Request-Id']);
  });

  it('an ignored path gets nothing: no ID in the handler, no echo, no attribute', async () => {
    const handler = load(echoing, { config: { ignore: '/orders' } });
    const result = (await handler(restEvent({ 'x-request-id': ['client-1'] }), lambdaContext())) as { headers?: Record<string, string>; body: string };
    assert.equal(result.headers, undefined);
    assert.equal(JSON.parse(result.body).seen, undefined);
    assert.equal(invocationSpan().attributes['request.id'], undefined);
  });

  it('a throwing trustIncoming is reported and the invocation goes on with a new ID', async () => {
    const handler = load(echoing, {
      config: {
        trustIncoming: () => {
          throw new Error('boom');
        },
      },
    });
    const result = (await handler(restEvent({ 'x-request-id': ['client-1'] }), lambdaContext())) as { headers: Record<string, string>; statusCode: number };
    assert.equal(result.statusCode, 200);
    assert.match(result.headers['X-Request-Id'], UUID);
  });

  it('a handler that throws or rejects: the error reaches the runtime unchanged, and its span is exported', async () => {
    const handler = load(`exports.handler = async () => { throw new Error('handler failed'); };`);
    await assert.rejects(Promise.resolve(handler(restEvent(), lambdaContext())), /handler failed/);
    assert.equal(invocationSpan().status.code, 2);
  });

  it('a collector that never answers holds the result back only until the deadline is 250 ms away', async () => {
    // A real collector address that accepts connections and never answers: the OTLP exporter waits its 10 s timeout.
    const sockets: net.Socket[] = [];
    const blackhole = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${(blackhole.address() as net.AddressInfo).port}/v1/traces` });
    const stuck = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter })] });
    trace.disable();
    trace.setGlobalTracerProvider(stuck);
    try {
      const handler = load(echoing);
      const deadline = Date.now() + 1250;
      const started = Date.now();
      const result = (await handler(restEvent(), { ...lambdaContext(), getRemainingTimeInMillis: () => deadline - Date.now() })) as { statusCode: number };
      const elapsed = Date.now() - started;
      assert.equal(result.statusCode, 200);
      assert.ok(elapsed >= 900 && elapsed < 1250, `returned after ${elapsed} ms: the flush waited until 250 ms before the deadline`);
    } finally {
      trace.disable();
      trace.setGlobalTracerProvider(provider);
      for (const socket of sockets) socket.destroy();
      blackhole.close();
      void stuck.shutdown().catch(() => undefined);
    }
  });

  it('a log record emitted in the handler carries request.id (RequestIdLogRecordProcessor)', async () => {
    const logs = new InMemoryLogRecordExporter();
    const loggers = new LoggerProvider({ processors: [new RequestIdLogRecordProcessor(), new SimpleLogRecordProcessor({ exporter: logs })] });
    (globalThis as { ridTestLogger?: unknown }).ridTestLogger = loggers.getLogger('orders');
    try {
      const handler = load(`exports.handler = async () => { await new Promise((r) => setTimeout(r, 1)); globalThis.ridTestLogger.emit({ body: 'order placed' }); return { statusCode: 200 }; };`);
      const result = (await handler(restEvent(), lambdaContext())) as { headers: Record<string, string> };
      const [record] = logs.getFinishedLogRecords().filter((r) => r.body === 'order placed');
      assert.equal(record?.attributes['request.id'], result.headers['X-Request-Id']);
    } finally {
      delete (globalThis as { ridTestLogger?: unknown }).ridTestLogger;
      await loggers.shutdown();
    }
  });

  it('outside a handler, no request ID', () => {
    assert.equal(getRequestId(), undefined);
    assert.equal(trace.getActiveSpan(), undefined);
  });
});
