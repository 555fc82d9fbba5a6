/**
 * Each bad OTEL_* value that the zero-code start reads itself, in a real app started with
 * `--require @rid/otel/register` (build/src/register.js): the app starts and serves, one stderr
 * line names the variable, the spans reach a local OTLP receiver with the spec's default in its
 * place, and SIGTERM ends the app promptly.
 */
import * as assert from 'node:assert/strict';
import { get } from '../support/http';
import { ensureBuilt, startApp, type ChildApp } from '../support/child-app';
import { startOtlpReceiver, type OtlpReceiver } from '../../bench/lib/otlp-receiver';

// register's shutdown waits 5 s at most (RID_SHUTDOWN_TIMEOUT_MS); a flush that loops never ends.
const EXIT_BOUND_MS = 8000;

interface Case {
  /** The variable whose line is expected. */
  variable: string;
  env: (receiver: OtlpReceiver) => Record<string, string>;
  /** What the line says is used instead. */
  using: RegExp;
}

const CASES: Case[] = [
  // Before: no span was ever delivered, and the flush at exit looped forever (ceil(n / 0) batches).
  { variable: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', env: () => ({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '0' }), using: /using the default \(512\)/ },
  { variable: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', env: () => ({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '4096' }), using: /from 1 to OTEL_BSP_MAX_QUEUE_SIZE \(2048\); using 512/ },
  { variable: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', env: () => ({ OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '200' }), using: /using 100\b/ },
  { variable: 'OTEL_BSP_MAX_QUEUE_SIZE', env: () => ({ OTEL_BSP_MAX_QUEUE_SIZE: '0' }), using: /using the default \(2048\)/ },
  { variable: 'OTEL_BSP_EXPORT_TIMEOUT', env: () => ({ OTEL_BSP_EXPORT_TIMEOUT: '0' }), using: /using the default \(30000\)/ },
  { variable: 'OTEL_BSP_SCHEDULE_DELAY', env: () => ({ OTEL_BSP_SCHEDULE_DELAY: '-5' }), using: /using the default \(5000\)/ },
  { variable: 'OTEL_TRACES_SAMPLER', env: () => ({ OTEL_TRACES_SAMPLER: 'bogus' }), using: /using the default \(parentbased_always_on\)/ },
  { variable: 'OTEL_TRACES_SAMPLER_ARG', env: () => ({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' }), using: /using the default \(1\.0/ },
  { variable: 'OTEL_LOG_LEVEL', env: () => ({ OTEL_LOG_LEVEL: 'loud' }), using: /using the default \(info\)/ },
  { variable: 'OTEL_SPAN_EVENT_COUNT_LIMIT', env: () => ({ OTEL_SPAN_EVENT_COUNT_LIMIT: 'abc' }), using: /using the default \(128\)/ },
  { variable: 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', env: () => ({ OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '-1' }), using: /using the default \(no limit\)/ },
  { variable: 'OTEL_EXPORTER_OTLP_PROTOCOL', env: () => ({ OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' }), using: /using http\/protobuf \(the default\)/ },
  { variable: 'OTEL_TRACES_EXPORTER', env: () => ({ OTEL_TRACES_EXPORTER: 'zipkin2' }), using: /using the default \(otlp\)/ },
  { variable: 'OTEL_PROPAGATORS', env: () => ({ OTEL_PROPAGATORS: 'w3c' }), using: /using the default \(tracecontext,baggage,request-id\)/ },
  // With logs asked for, register starts NodeSDK, which would read these itself and say nothing.
  { variable: 'OTEL_TRACES_SAMPLER', env: () => ({ OTEL_LOGS_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'bogus' }), using: /using the default \(parentbased_always_on\)/ },
  { variable: 'OTEL_SPAN_EVENT_COUNT_LIMIT', env: () => ({ OTEL_LOGS_EXPORTER: 'otlp', OTEL_SPAN_EVENT_COUNT_LIMIT: 'abc' }), using: /using the default \(128\)/ },
  {
    variable: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    env: (r) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${r.url}/v1/traces` }),
    using: /using OTEL_EXPORTER_OTLP_TRACES_ENDPOINT \(http:\/\/127\.0\.0\.1:\d+\/v1\/traces\) for traces/,
  },
  {
    variable: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    env: () => ({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://collector/v1/traces' }),
    using: /using OTEL_EXPORTER_OTLP_ENDPOINT \(http:\/\/127\.0\.0\.1:\d+\/v1\/traces\)/,
  },
];

describe('@rid/otel/register: a bad OTEL_* value is the default, said in one line (child processes)', function () {
  this.timeout(60000);
  let receiver: OtlpReceiver;
  let app: ChildApp | undefined;

  before(() => ensureBuilt());
  beforeEach(async () => {
    receiver = await startOtlpReceiver();
  });
  afterEach(async () => {
    await app?.stop('SIGKILL');
    app = undefined;
    await receiver.close();
  });

  for (const { variable, env, using } of CASES) {
    const shown = Object.entries(env({ url: 'R' } as OtlpReceiver))
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    it(`${shown}: starts, serves, one line, spans exported, prompt exit`, async () => {
      app = await startApp(['--require', '@rid/otel/register'], 'cjs-app.js', {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '50',
        ...env(receiver),
      });
      const res = await get(app.url);
      assert.equal(res.status, 200);
      const id = res.headers['x-request-id'];
      const spans = await receiver.waitFor((s) => s.some((x) => x.attributes['request.id'] === id));
      assert.ok(
        spans.some((x) => x.kind === 'SERVER' && x.attributes['request.id'] === id),
        `the SERVER span reached the receiver; stderr: ${app.stderr.join('\n')}`,
      );

      const lines = app.stderr.filter((l) => l.includes(`${variable}=`));
      assert.equal(lines.length, 1, `one line for ${variable}:\n${app.stderr.join('\n')}`);
      assert.match(lines[0], new RegExp(`^@rid/otel: ignoring ${variable}=".*": expected .*; using .*\\. Example: ${variable}=\\S+$`));
      assert.match(lines[0], using);

      const stopping = Date.now();
      const exit = await app.stop('SIGTERM');
      assert.ok(Date.now() - stopping < EXIT_BOUND_MS, `exited ${Date.now() - stopping} ms after SIGTERM`);
      assert.ok(exit.code === 0 || exit.signal === 'SIGTERM', `exit ${JSON.stringify(exit)}`);
    });
  }
});
