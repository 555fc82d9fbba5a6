import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../bench/lib/otlp-receiver';
import { startDynamo, type Emulator } from '../support/aws-emulators';
import { LambdaRuntimeApi, startFunction, type LambdaFunction, type RicLine } from '../../bench/lib/lambda-runtime';

const ROOT = resolve(__dirname, '../..');
const HANDLERS = join(__dirname, 'handlers');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

type Json = Record<string, unknown>;
function event(name: string): Json {
  return JSON.parse(readFileSync(join(__dirname, 'events', `${name}.json`), 'utf8')) as Json;
}

/** `event` with `name: value` added as the client would send it, in each header field the source has. */
function withHeader(e: Json, name: string, value: string): Json {
  const copy = structuredClone(e);
  if (copy.headers && typeof copy.headers === 'object') (copy.headers as Json)[name] = value;
  if (copy.multiValueHeaders && typeof copy.multiValueHeaders === 'object') (copy.multiValueHeaders as Json)[name] = [value];
  return copy;
}

function sqsWithId(id: string): Json {
  const e = structuredClone(event('sqs'));
  for (const r of e.Records as Json[]) r.messageAttributes = { 'x-request-id': { stringValue: id, stringListValues: [], binaryListValues: [], dataType: 'String' } };
  return e;
}

function snsWithId(id: string): Json {
  const e = structuredClone(event('sns'));
  for (const r of e.Records as Json[]) (r.Sns as Json).MessageAttributes = { 'x-request-id': { Type: 'String', Value: id } };
  return e;
}

interface Answer {
  statusCode: number;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body: string;
}

/** The echo, wherever the source's result format puts it. */
function echoed(answer: Answer): string | undefined {
  return answer.headers?.['X-Request-Id'] ?? answer.multiValueHeaders?.['X-Request-Id']?.[0];
}

/** A downstream service that answers with the x-request-id it received. */
async function startDownstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => res.end(String(req.headers['x-request-id'] ?? '')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** What a test function talks to, started before its describe's tests and stopped after them. */
interface Rig {
  receiver: OtlpReceiver;
  api: LambdaRuntimeApi;
  fn: LambdaFunction;
}

/**
 * The function `handler` of test/lambda/handlers under `NODE_OPTIONS=--require @rid/otel/register`,
 * run by aws-lambda-ric `ric`, with an OTLP receiver, a downstream service and DynamoDB (dynalite).
 * The batch processor's delay is a minute: a span reaches the receiver before the runtime has the
 * result only if the invocation flushed it.
 */
function useFunction(ric: RicLine, handler: string, extraEnv: NodeJS.ProcessEnv = {}): Rig {
  const rig = {} as Rig;
  let downstream: Awaited<ReturnType<typeof startDownstream>> | undefined;
  let dynamo: Emulator | undefined;
  before(async () => {
    rig.receiver = await startOtlpReceiver();
    downstream = await startDownstream();
    dynamo = await startDynamo();
    rig.api = await LambdaRuntimeApi.start();
    rig.fn = startFunction({
      ric,
      api: rig.api,
      handlerDir: HANDLERS,
      handler,
      env: {
        NODE_OPTIONS: `--require ${join(ROOT, 'build/src/register.js')}`,
        OTEL_EXPORTER_OTLP_ENDPOINT: rig.receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '60000',
        DOWNSTREAM_URL: downstream.url,
        DYNAMO_ENDPOINT: dynamo.endpoint,
        ...extraEnv,
      },
    });
  });
  after(async () => {
    await rig.fn?.stop();
    await rig.api?.close();
    await Promise.all([rig.receiver?.close(), downstream?.close(), dynamo?.close()]);
  });
  return rig;
}

interface Invoked {
  answer: Answer;
  seen: string;
  downstream: string;
  /** The spans the receiver had when the runtime posted the result. */
  delivered: ReceivedSpan[];
  requestId: string;
}

/** Invokes the rig's function (test/lambda/handlers/index.js answers what it saw and what the downstream got). */
async function invokeOn(rig: Rig, e: unknown): Promise<Invoked> {
  const out = await rig.api.invoke(e);
  const delivered = rig.receiver.spans.slice();
  assert.equal(out.error, undefined, `the handler failed: ${JSON.stringify(out.error)}`);
  const answer = out.result as Answer;
  const body = JSON.parse(answer.body) as { seen: string; downstream: string };
  return { answer, seen: body.seen, downstream: body.downstream, delivered, requestId: out.requestId };
}

/** The invocation span of Lambda request `lambdaRequestId` among `spans`. */
function serverSpanOf(spans: ReceivedSpan[], lambdaRequestId: string): ReceivedSpan | undefined {
  return spans.find((s) => s.kind === 'SERVER' && s.attributes['faas.invocation_id'] === lambdaRequestId);
}

/** Every event source, through both runtimes. */
for (const ric of [3, 4] as const) {
  describe(`AWS Lambda under register: aws-lambda-ric ${ric} (nodejs${ric === 3 ? '22' : '24'}.x)`, function () {
    this.timeout(60000);
    const rig = useFunction(ric, 'index.handler');

    const invoke = (e: unknown): Promise<Invoked> => invokeOn(rig, e);

    /** The invocation's spans, all delivered before its result: its SERVER span and, in the same trace, the DynamoDB call's CLIENT span. */
    function invocationSpans(delivered: ReceivedSpan[], lambdaRequestId: string): { server: ReceivedSpan; dynamo: ReceivedSpan } {
      const server = serverSpanOf(delivered, lambdaRequestId);
      assert.ok(server, `the invocation span was delivered before the result (${delivered.length} spans then)`);
      const dynamoSpan = delivered.find((s) => s.traceId === server.traceId && s.kind === 'CLIENT' && s.attributes['aws.request_id'] !== undefined);
      assert.ok(dynamoSpan, 'the DynamoDB call span, with aws.request_id, in the same trace, delivered before the result');
      assert.match(String(dynamoSpan.attributes['aws.request_id']), /\S/);
      return { server, dynamo: dynamoSpan };
    }

    const httpSources: [string, Record<string, string>][] = [
      ['apigw-rest', { 'rid.aws.apigw.request_id': 'requestContext.requestId', 'rid.aws.apigw_id': 'requestContext.extendedRequestId' }],
      ['http-api', { 'rid.aws.apigw.request_id': 'requestContext.requestId' }],
      ['function-url', { 'rid.aws.function_url.request_id': 'requestContext.requestId' }],
      ['alb', {}],
      ['alb-multi-value', {}],
    ];
    for (const [source, ids] of httpSources) {
      it(`${source}: a new ID, echoed, current in the handler, sent downstream, on every span, delivered before the result`, async () => {
        const e = event(source);
        const { answer, seen, downstream: sent, delivered, requestId } = await invoke(e);
        assert.match(seen, UUID);
        assert.equal(echoed(answer), seen);
        if (source === 'alb-multi-value') assert.equal(answer.headers?.['X-Request-Id'], undefined, 'multi-value answers use multiValueHeaders');
        assert.equal(sent, seen);
        const { server, dynamo: call } = invocationSpans(delivered, requestId);
        assert.equal(server.attributes['request.id'], seen);
        assert.equal(server.service, 'orders', "named after the function (AWS_LAMBDA_FUNCTION_NAME), not test/lambda/handlers' package.json");
        assert.equal(call.attributes['request.id'], seen);
        for (const [attribute, path] of Object.entries(ids)) {
          const [a, b] = path.split('.');
          assert.equal(server.attributes[attribute], ((e as Json)[a] as Json)[b], attribute);
        }
        if (source.startsWith('alb')) assert.match(String(server.attributes['rid.aws.alb.trace_id']), /^Root=/);
      });

      it(`${source}: the client's valid X-Request-Id is kept, echoed and sent downstream`, async () => {
        const { answer, seen, downstream: sent, delivered, requestId } = await invoke(withHeader(event(source), 'X-Request-Id', `client-${source}`));
        assert.equal(seen, `client-${source}`);
        assert.equal(echoed(answer), seen);
        assert.equal(sent, seen);
        assert.equal(invocationSpans(delivered, requestId).server.attributes['request.id'], seen);
      });
    }

    it('apigw-rest: an invalid header is not echoed raw: a new ID, the value kept escaped on the span', async () => {
      const { answer, seen, delivered, requestId } = await invoke(withHeader(event('apigw-rest'), 'X-Request-Id', 'bad id <script>'));
      assert.match(seen, UUID);
      assert.equal(echoed(answer), seen);
      assert.equal(invocationSpans(delivered, requestId).server.attributes['request.id.original'], 'bad id <script>');
    });

    for (const [source, make] of [
      ['sqs', sqsWithId],
      ['sns', snsWithId],
    ] as const) {
      it(`${source}: the ID the message carries, in the handler, downstream and on every span; no echo`, async () => {
        const { answer, seen, downstream: sent, delivered, requestId } = await invoke(make(`queued-${source}`));
        assert.equal(seen, `queued-${source}`);
        assert.equal(echoed(answer), undefined);
        assert.equal(sent, seen);
        assert.equal(invocationSpans(delivered, requestId).server.attributes['request.id'], seen);
      });
    }

    for (const source of ['sqs', 'sns', 'eventbridge', 'direct']) {
      it(`${source} with no ID: a new one, in the handler, downstream and on every span`, async () => {
        const { answer, seen, downstream: sent, delivered, requestId } = await invoke(event(source));
        assert.match(seen, UUID);
        assert.equal(echoed(answer), undefined);
        assert.equal(sent, seen);
        assert.equal(invocationSpans(delivered, requestId).server.attributes['request.id'], seen);
      });
    }

    it('direct: the ID a calling service put in the client context (instrumentation-aws-sdk injects it on Invoke)', async () => {
      const out = await rig.api.invoke(event('direct'), { clientContext: { custom: { 'x-request-id': 'caller-7' }, client: {}, env: {} } });
      assert.equal(JSON.parse((out.result as Answer).body).seen, 'caller-7');
    });

    it('two invocations in a row: each its own ID, none left over from the previous', async () => {
      const first = await invoke(event('direct'));
      const second = await invoke(event('direct'));
      assert.notEqual(first.seen, second.seen);
    });
  });
}

describe('AWS Lambda under register: a callback handler on aws-lambda-ric 3 (nodejs22.x)', function () {
  this.timeout(60000);
  const rig = useFunction(3, 'index.callback');

  it('the ID in the callback handler, the echo in its result, every span delivered before it', async () => {
    const { answer, seen, downstream, delivered, requestId } = await invokeOn(rig, withHeader(event('apigw-rest'), 'X-Request-Id', 'client-cb'));
    assert.equal(seen, 'client-cb');
    assert.equal(downstream, 'client-cb');
    assert.equal(echoed(answer), 'client-cb');
    assert.equal(serverSpanOf(delivered, requestId)?.attributes['request.id'], 'client-cb');
  });
});

describe('AWS Lambda under register: a collector that never answers (aws-lambda-ric 4)', function () {
  this.timeout(60000);
  const sockets: net.Socket[] = [];
  const blackhole = net.createServer((socket) => sockets.push(socket));
  before(() => new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r)));
  after(() => {
    for (const socket of sockets) socket.destroy();
    blackhole.close();
  });
  const rig = useFunction(4, 'index.handler', {
    get OTEL_EXPORTER_OTLP_ENDPOINT() {
      return `http://127.0.0.1:${(blackhole.address() as AddressInfo).port}`;
    },
  });

  it('the result still reaches the runtime before the deadline: the flush gives up 250 ms before it', async () => {
    const started = Date.now();
    const out = await rig.api.invoke(event('apigw-rest'), { timeoutMs: 3000 });
    assert.equal(out.error, undefined);
    assert.equal((out.result as Answer).statusCode, 200);
    assert.ok(out.respondedAt - started < 3000, `answered after ${out.respondedAt - started} ms, deadline 3000 ms`);
  });
});

for (const ric of [3, 4] as const) {
  describe(`AWS Lambda under register: a handler module that throws while loading (aws-lambda-ric ${ric})`, function () {
    this.timeout(60000);
    it('the runtime reports its error at init, as without register', async () => {
      const api = await LambdaRuntimeApi.start();
      const fn = startFunction({
        ric,
        api,
        handlerDir: HANDLERS,
        handler: 'broken.handler',
        env: { NODE_OPTIONS: `--require ${join(ROOT, 'build/src/register.js')}`, OTEL_TRACES_EXPORTER: 'none' },
      });
      try {
        const deadline = Date.now() + 20000;
        while (api.initError === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        assert.match(JSON.stringify(api.initError), /config missing: TABLE_NAME/, fn.output());
      } finally {
        await fn.stop();
        await api.close();
      }
    });
  });
}

for (const ric of [3, 4] as const) {
  describe(`AWS Lambda with the function's own NodeSDK and withRequestId() (aws-lambda-ric ${ric})`, function () {
    this.timeout(60000);
    const rig = useFunction(ric, 'index.handler', {
      NODE_OPTIONS: `--require ${join(HANDLERS, 'tracing.js')}`,
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
    });

    it('the ID decided, echoed, sent downstream and on the invocation span, delivered before the result', async () => {
      const { answer, seen, downstream, delivered, requestId } = await invokeOn(rig, withHeader(event('http-api'), 'x-request-id', 'own-sdk-1'));
      assert.equal(seen, 'own-sdk-1');
      assert.equal(downstream, 'own-sdk-1');
      assert.equal(echoed(answer), 'own-sdk-1');
      const server = serverSpanOf(delivered, requestId);
      assert.equal(server?.attributes['request.id'], 'own-sdk-1');
      assert.equal(server?.attributes['rid.aws.apigw.request_id'], 'JKJaXmPLvHcESHA=');
    });
  });
}
