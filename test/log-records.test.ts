import './support/otel';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  BatchLogRecordProcessor,
  ConsoleLogRecordExporter,
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type LogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import { getRequestId, RequestIdConfigError, RequestIdInstrumentation, RequestIdLogRecordProcessor, runWithRequestId, withRequestId } from '../src';
import { APPS, cleanEnv, ensureBuilt, startApp, type ChildApp } from './support/child-app';
import { get, startServer, type TestServer } from './support/http';
import { sdkMajor } from './support/sdk-compat';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedLog } from '../bench/lib/otlp-receiver';

const run = promisify(execFile);
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The attributes of the exported records whose body is `body`. */
function attributesOf(exporter: InMemoryLogRecordExporter, body: string): Record<string, unknown>[] {
  return exporter
    .getFinishedLogRecords()
    .filter((r) => r.body === body)
    .map((r) => ({ ...r.attributes }));
}

/** Restores process.env after a test changed OTEL_LOGS_EXPORTER. */
function withLogsExporterEnv<T>(value: string | undefined, fn: () => T): T {
  const before = process.env.OTEL_LOGS_EXPORTER;
  if (value === undefined) delete process.env.OTEL_LOGS_EXPORTER;
  else process.env.OTEL_LOGS_EXPORTER = value;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.OTEL_LOGS_EXPORTER;
    else process.env.OTEL_LOGS_EXPORTER = before;
  }
}

describe('RequestIdLogRecordProcessor: the request ID on OpenTelemetry log records', () => {
  describe('in process: the real logs SDK, set up with withRequestId()', () => {
    let exporter: InMemoryLogRecordExporter;
    let config: ReturnType<typeof withRequestId>;
    let provider: LoggerProvider;
    let server: TestServer;

    beforeEach(() => {
      exporter = new InMemoryLogRecordExporter();
      config = withRequestId({ logRecordProcessors: [new SimpleLogRecordProcessor({ exporter })] });
      provider = new LoggerProvider({ processors: config.logRecordProcessors });
    });
    afterEach(async () => {
      for (const inst of config.instrumentations ?? []) if (inst instanceof RequestIdInstrumentation) inst.disable();
      await server?.close();
      await provider.shutdown();
    });

    it('puts RequestIdLogRecordProcessor before your processors, which it keeps', () => {
      assert.equal(config.logRecordProcessors?.length, 2);
      assert.ok(config.logRecordProcessors[0] instanceof RequestIdLogRecordProcessor);
      assert.ok(config.logRecordProcessors[1] instanceof SimpleLogRecordProcessor);
    });

    it('records emitted in a request carry its ID, also after await and for concurrent requests; one outside carries none; a value set in the call wins', async () => {
      const logger = provider.getLogger('unit');
      server = await startServer(async (_req, res) => {
        logger.emit({ body: 'in handler' });
        await new Promise((r) => setTimeout(r, 5));
        logger.emit({ body: 'after await' });
        logger.emit({ body: 'own value', attributes: { 'request.id': 'set-in-the-call' } });
        res.end(getRequestId());
      });
      const [a, b] = await Promise.all([get(server.url, { 'X-Request-Id': 'unit-a' }), get(server.url, { 'X-Request-Id': 'unit-b' })]);
      assert.equal(a.headers['x-request-id'], 'unit-a');
      assert.equal(b.headers['x-request-id'], 'unit-b');
      logger.emit({ body: 'outside a request' });

      for (const body of ['in handler', 'after await']) {
        assert.deepEqual(attributesOf(exporter, body).map((attrs) => attrs['request.id']).sort(), ['unit-a', 'unit-b'], body);
      }
      assert.deepEqual(attributesOf(exporter, 'own value'), [{ 'request.id': 'set-in-the-call' }, { 'request.id': 'set-in-the-call' }]);
      assert.deepEqual(attributesOf(exporter, 'outside a request'), [{}]);
    });

    it('runWithRequestId: records of a background job carry the job ID', async () => {
      const logger = provider.getLogger('jobs');
      await runWithRequestId('job-42', async () => {
        await new Promise((r) => setTimeout(r, 1));
        logger.emit({ body: 'job step' });
      });
      assert.deepEqual(attributesOf(exporter, 'job step'), [{ 'request.id': 'job-42' }]);
    });
  });

  describe('configuration', () => {
    let instrumentations: RequestIdInstrumentation[] = [];
    afterEach(() => {
      for (const inst of instrumentations) inst.disable();
      instrumentations = [];
    });
    function build(...args: Parameters<typeof withRequestId>): ReturnType<typeof withRequestId> {
      const config = withRequestId(...args);
      instrumentations.push(...(config.instrumentations ?? []).filter((i): i is RequestIdInstrumentation => i instanceof RequestIdInstrumentation));
      return config;
    }

    it('attributeName: from the processor option and from withRequestId(); a bad one throws RequestIdConfigError naming it', () => {
      const exporter = new InMemoryLogRecordExporter();
      const own = new LoggerProvider({ processors: [new RequestIdLogRecordProcessor({ attributeName: 'corr.id' }), new SimpleLogRecordProcessor({ exporter })] });
      const fromConfig = build({ logRecordProcessors: [new SimpleLogRecordProcessor({ exporter })] }, { attributeName: 'trace.request' });
      const viaConfig = new LoggerProvider({ processors: fromConfig.logRecordProcessors });
      runWithRequestId('named-1', () => {
        own.getLogger('a').emit({ body: 'own' });
        viaConfig.getLogger('b').emit({ body: 'via config' });
      });
      assert.deepEqual(attributesOf(exporter, 'own'), [{ 'corr.id': 'named-1' }]);
      assert.deepEqual(attributesOf(exporter, 'via config'), [{ 'trace.request': 'named-1' }]);
      for (const bad of ['', 7]) {
        assert.throws(
          () => new RequestIdLogRecordProcessor({ attributeName: bad as string }),
          (err: unknown) => err instanceof RequestIdConfigError && err.option === 'attributeName' && /non-empty string/.test(err.message),
        );
      }
    });

    it("withRequestId() with no processors of yours: NodeSDK's own from OTEL_LOGS_EXPORTER, after ours; none and an empty list of yours stay without", async () => {
      const console = withLogsExporterEnv('console', () => build().logRecordProcessors);
      assert.equal(console?.length, 2);
      assert.ok(console[0] instanceof RequestIdLogRecordProcessor);
      assert.ok(console[1] instanceof SimpleLogRecordProcessor);
      assert.ok((console[1] as unknown as { _exporter: unknown })._exporter instanceof ConsoleLogRecordExporter);

      const byDefault = withLogsExporterEnv(undefined, () => build().logRecordProcessors);
      assert.equal(byDefault?.length, 2, 'NodeSDK exports logs over OTLP when OTEL_LOGS_EXPORTER is unset');
      assert.ok(byDefault[1] instanceof BatchLogRecordProcessor);
      await Promise.all([...console, ...byDefault].map((p: LogRecordProcessor) => p.shutdown()));

      assert.equal(withLogsExporterEnv('none', () => build().logRecordProcessors), undefined);
      assert.deepEqual(withLogsExporterEnv('console', () => build({ logRecordProcessors: [] }).logRecordProcessors), []);
    });

    it("import '@rid/otel' loads no logs SDK (nor sdk-node)", async () => {
      ensureBuilt();
      const script = "require('@rid/otel'); console.log(JSON.stringify(Object.keys(require.cache).filter((f) => /@opentelemetry[\\\\/](sdk-logs|sdk-node)[\\\\/]/.test(f))))";
      const { stdout } = await run(process.execPath, ['-e', script], { cwd: APPS, env: cleanEnv({}) });
      assert.deepEqual(JSON.parse(stdout), []);
    });
  });

  describe('@rid/otel/register with OTEL_LOGS_EXPORTER (child processes, records decoded at a local OTLP receiver)', function () {
    this.timeout(60000);
    before(() => ensureBuilt());

    /** Runs test/fixtures/apps/logs-app.js under register, exporting logs to a receiver of its own. */
    async function withLogsApp(env: Record<string, string>, check: (app: ChildApp, receiver: OtlpReceiver) => Promise<void>): Promise<void> {
      const receiver = await startOtlpReceiver();
      let app: ChildApp | undefined;
      try {
        app = await startApp(['--require', '@rid/otel/register'], 'logs-app.js', {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_LOGS_EXPORTER: 'otlp',
          OTEL_BLRP_SCHEDULE_DELAY: '50',
          OTEL_BSP_SCHEDULE_DELAY: '50',
          // The app enables pino's and winston's instrumentations itself; register's
          // auto-instrumentations (installed here) would add a second of each.
          OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pino,winston',
          ...env,
        });
        await check(app, receiver);
      } finally {
        await app?.stop('SIGKILL');
        await receiver.close();
      }
    }

    const WINSTON = '@opentelemetry/winston-transport';
    // instrumentation-winston sends through @opentelemetry/winston-transport, which (0.34, the
    // latest) speaks @opentelemetry/api-logs; SDK 3.x registers its logger provider with
    // @opentelemetry/api 1.10's Logs API instead, so on 3.x no winston record reaches the SDK at all.
    const SOURCES = ['logs-app', '@opentelemetry/instrumentation-pino', ...(sdkMajor() === 2 ? [WINSTON] : [])];
    /** The records with this body from the Logs API, instrumentation-pino and (SDK 2.x) instrumentation-winston. */
    function bySource(logs: ReceivedLog[], body: string): ReceivedLog[] {
      return logs.filter((l) => SOURCES.includes(l.scope) && l.body === body);
    }

    it('records of a request (Logs API, pino and winston log sending) carry the echoed X-Request-Id; records outside a request carry none', () =>
      withLogsApp({}, async (started, receiver) => {
        const chosen = await get(started.url, { 'X-Request-Id': 'logs-client-7' });
        assert.equal(chosen.headers['x-request-id'], 'logs-client-7');
        const generated = (await get(started.url)).headers['x-request-id'] as string;
        assert.match(generated, UUID_V4);
        const logs = await receiver.waitForLogs((l) => l.length >= SOURCES.length * 5);

        for (const body of ['in handler', 'after await']) {
          const records = bySource(logs, body);
          assert.equal(records.length, SOURCES.length * 2, `${body}: ${JSON.stringify(logs)}`);
          for (const scope of SOURCES) {
            const ids = records.filter((r) => r.scope === scope).map((r) => r.attributes['request.id']);
            assert.deepEqual(ids.sort(), ['logs-client-7', generated].sort(), `${scope} "${body}"`);
          }
        }
        const outside = bySource(logs, 'outside a request');
        assert.equal(outside.length, SOURCES.length, JSON.stringify(logs));
        for (const record of outside) assert.equal(record.attributes['request.id'], undefined, record.scope);
        if (sdkMajor() !== 2) assert.deepEqual(logs.filter((l) => l.scope === WINSTON), [], 'winston records reach SDK 3.x now: test them there too');
        assert.ok(receiver.contentTypes.every((t) => t.includes('protobuf')), receiver.contentTypes.join());
      }));

    it("RID_ATTRIBUTE_NAME names the attribute; NodeSDK's own logs exporter settings stay (OTEL_EXPORTER_OTLP_LOGS_PROTOCOL=http/json)", () =>
      withLogsApp({ RID_ATTRIBUTE_NAME: 'correlation.id', OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/json' }, async (started, receiver) => {
        await get(started.url, { 'X-Request-Id': 'logs-named-1' });
        const logs = await receiver.waitForLogs((l) => l.filter((x) => x.body === 'after await').length >= SOURCES.length);
        const records = bySource(logs, 'after await');
        assert.equal(records.length, SOURCES.length, JSON.stringify(logs));
        for (const record of records) {
          assert.equal(record.attributes['correlation.id'], 'logs-named-1', record.scope);
          assert.equal(record.attributes['request.id'], undefined);
        }
        await receiver.waitFor((s) => s.length > 0);
        const typeOf = (path: string) => receiver.contentTypes.filter((_, i) => receiver.paths[i] === path);
        assert.ok(typeOf('/v1/logs').every((t) => t.includes('json')), typeOf('/v1/logs').join());
        assert.ok(typeOf('/v1/traces').length > 0 && typeOf('/v1/traces').every((t) => t.includes('protobuf')), typeOf('/v1/traces').join());
      }));
  });
});
