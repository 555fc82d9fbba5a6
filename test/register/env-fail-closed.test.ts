import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import fc from 'fast-check';
import { RequestIdConfigError, RequestIdInstrumentation } from '../../src';
import { compileConfig } from '../../src/config/compile-config';
import { Guard } from '../../src/diag';
import { configFromEnv, ENV_OPTIONS } from '../../src/register/env-config';
import { ensureBuilt, startApp, type ChildApp } from '../support/child-app';
import { get } from '../support/http';

function read(env: Record<string, string>): { config: ReturnType<typeof configFromEnv>; lines: string[] } {
  const lines: string[] = [];
  const config = configFromEnv(env, (line) => lines.push(line));
  return { config, lines };
}

/** One line per bad value: the variable, the value, what is used, an example in env syntax (no code syntax). */
function assertOneEnvLine(lines: string[], variable: string): string {
  assert.equal(lines.length, 1, lines.join('\n'));
  const [line] = lines;
  assert.ok(line.startsWith(`@rid/otel: ignoring ${variable}=`), line);
  assert.ok(!line.includes('\n'));
  const example = line.slice(line.indexOf('Example: ') + 'Example: '.length);
  assert.ok(example.startsWith(`${variable}=`), `an env-syntax example: ${line}`);
  assert.doesNotMatch(example, /[[\]{}]|=>/, `the example is env syntax, not code: ${example}`);
  assert.doesNotMatch(line, /a function|\(request\) =>|\["/, `no code syntax offered to a variable: ${line}`);
  return line;
}

describe('RID_* settings that guard a boundary fail closed', () => {
  for (const value of ['ture', '10.0.0.0/33', '["10.0.0.0/8", "::1"]', 'yes', ',']) {
    it(`RID_TRUST_INCOMING=${JSON.stringify(value)}: nothing is trusted, one line with the comma form as example`, () => {
      const { config, lines } = read({ RID_TRUST_INCOMING: value });
      assert.equal(config.trustIncoming, false);
      const line = assertOneEnvLine(lines, 'RID_TRUST_INCOMING');
      assert.match(line, /using false/);
      assert.match(line, /Example: RID_TRUST_INCOMING=10\.0\.0\.0\/8,::1$/);
      // The example itself is accepted.
      assert.deepEqual(read({ RID_TRUST_INCOMING: '10.0.0.0/8,::1' }), { config: { trustIncoming: ['10.0.0.0/8', '::1'] }, lines: [] });
    });
  }

  for (const value of ['http://internal.example.com', '*.', 'foo:bar', 'api:99999', 'a b', '*.a*.b']) {
    it(`RID_PROPAGATE_TO=${JSON.stringify(value)}: the ID goes nowhere, one line`, () => {
      const { config, lines } = read({ RID_PROPAGATE_TO: value });
      assert.equal(config.propagateTo, false);
      assert.match(assertOneEnvLine(lines, 'RID_PROPAGATE_TO'), /using false \(the ID is sent nowhere\)/);
    });
  }

  it('RID_PROPAGATE_TO with one bad entry among good ones: nowhere (a typo never widens where the ID goes)', () => {
    const { config, lines } = read({ RID_PROPAGATE_TO: '*.internal,foo:bar' });
    assert.equal(config.propagateTo, false);
    assertOneEnvLine(lines, 'RID_PROPAGATE_TO');
  });

  it('RID_CAPTURE_AWS_REQUEST_IDS=maybe: nothing is captured, one line', () => {
    const { config, lines } = read({ RID_CAPTURE_AWS_REQUEST_IDS: 'maybe' });
    assert.equal(config.captureAwsRequestIds, false);
    assertOneEnvLine(lines, 'RID_CAPTURE_AWS_REQUEST_IDS');
  });

  it('validation limits keep the stricter default when bad', () => {
    const { config, lines } = read({ RID_VALIDATION_MAX_LENGTH: '99999999', RID_VALIDATION_MIN_LENGTH: '0' });
    assert.equal(config.validation, undefined, 'the defaults (1..200) stay');
    assert.equal(lines.length, 2, lines.join('\n'));
  });

  it('RID_ALGORITHM: the line lists the names a variable can hold, no function', () => {
    const { lines } = read({ RID_ALGORITHM: 'snowflake' });
    assertOneEnvLine(lines, 'RID_ALGORITHM');
  });
});

describe('RID_* values that used to crash, hang or switch the package off', () => {
  for (const value of ['1000000000', '50000000', '99999999999999999999', '16385']) {
    it(`RID_RANGE_ID_LENGTH=${value}: the default, one short line, at once`, () => {
      const started = process.hrtime.bigint();
      const { config, lines } = read({ RID_RANGE_ID_LENGTH: value });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      assert.deepEqual(config, {}, 'range_id with its default length is not forced; the default algorithm stays');
      const line = assertOneEnvLine(lines, 'RID_RANGE_ID_LENGTH');
      assert.ok(line.length < 400, `a short line (${line.length} characters)`);
      assert.ok(ms < 1000, `checked before generating anything (${ms} ms)`);
    });
  }

  for (const length of [1e9, 5e7, 1e20, 16385]) {
    it(`rangeId.length ${length} in code: a RequestIdConfigError at construction, before any ID is made`, () => {
      assert.throws(
        () => new RequestIdInstrumentation({ algorithm: 'range_id', rangeId: { length }, enabled: false }),
        (err: unknown) => err instanceof RequestIdConfigError && err.option === 'rangeId.length' && err.message.length < 400,
      );
    });
  }

  it('a generated ID shown in an error is cut to 100 characters', () => {
    assert.throws(
      () => compileConfig({ algorithm: 'range_id', rangeId: { length: 16384 } }, new Guard()),
      (err: unknown) => err instanceof RequestIdConfigError && err.message.length < 500,
    );
  });

  for (const entry of ['*.', 'foo:bar', 'host:0', 'host:70000', '*.a*.b']) {
    it(`propagateTo [${JSON.stringify(entry)}] in code throws, naming propagateTo[0]`, () => {
      assert.throws(
        () => new RequestIdInstrumentation({ propagateTo: [entry], enabled: false }),
        (err: unknown) => err instanceof RequestIdConfigError && err.option === 'propagateTo[0]',
      );
    });
  }
});

describe('RID_* property: any value of every variable', function () {
  this.timeout(120000);
  const names = ENV_OPTIONS.map((e) => e.env);
  const GUARDED: Record<string, string> = { RID_TRUST_INCOMING: 'trustIncoming', RID_PROPAGATE_TO: 'propagateTo', RID_CAPTURE_AWS_REQUEST_IDS: 'captureAwsRequestIds', RID_CAPTURE_VENDOR_REQUEST_IDS: 'captureVendorRequestIds' };
  const value = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.stringMatching(/^[0-9]{1,25}$/),
    fc.constantFrom('true', 'false', '0', '1', '*.', 'foo:bar', 'http://x.example', '10.0.0.0/8,::1', '[', '(', 'range_id', 'openai,paypal', ','),
    fc.string({ minLength: 200, maxLength: 5000 }),
  );

  it('the config always compiles, fast; a bad guarded value is its closed side; every line is one bounded line', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...names), value, { maxKeys: 6 }), (env) => {
        const started = process.hrtime.bigint();
        const { config, lines } = read(env);
        // What the instrumentation's constructor checks (constructing hundreds would stack hundreds of require hooks).
        compileConfig(config, new Guard());
        assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 2000, 'bounded time');
        for (const line of lines) {
          assert.ok(!line.includes('\n') && line.length < 1200, `one bounded line: ${line.slice(0, 200)}`);
        }
        for (const [variable, option] of Object.entries(GUARDED)) {
          if (!lines.some((l) => l.startsWith(`@rid/otel: ignoring ${variable}=`))) continue;
          assert.equal((config as Record<string, unknown>)[option], false, `${variable}=${JSON.stringify(env[variable])} falls back closed`);
        }
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 300) },
    );
  });
});

describe('RID_* property in child processes: random environments under @rid/otel/register', function () {
  this.timeout(120000);
  it('each app starts and serves within bounded time and memory; a bad trust or propagateTo never trusts or sends', async () => {
    ensureBuilt();
    const downstream = http.createServer((req, res) => res.end(JSON.stringify({ received: req.headers['x-request-id'] ?? null })));
    await new Promise<void>((r) => downstream.listen(0, '127.0.0.1', r));
    const downstreamUrl = `http://127.0.0.1:${(downstream.address() as import('node:net').AddressInfo).port}/`;
    const names = ENV_OPTIONS.map((e) => e.env).concat('RID_SHUTDOWN_TIMEOUT_MS');
    const hostile = fc.oneof(fc.string({ maxLength: 30 }), fc.stringMatching(/^[0-9]{1,22}$/), fc.constantFrom('ture', '*.', 'foo:bar', 'http://x.example', '1000000000', '('));
    const envs = fc.sample(fc.dictionary(fc.constantFrom(...names), hostile, { minKeys: 2, maxKeys: 6 }), { numRuns: 4, seed: Number(process.env.FC_SEED ?? 424242) });
    try {
      for (const raw of envs) {
        const env = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v.replace(/\0/g, '')]));
        const startedAt = Date.now();
        const app = await startApp(['--require', '@rid/otel/register', '--max-old-space-size=128'], 'cjs-app.js', { ...env, OTEL_TRACES_EXPORTER: 'none', DOWNSTREAM_URL: downstreamUrl });
        try {
          assert.ok(Date.now() - startedAt < 15000, `started in ${Date.now() - startedAt} ms with ${JSON.stringify(env)}`);
          const res = await get(`${app.url}/fanout`, { 'x-request-id': 'client-chosen-id' });
          assert.equal(res.status, 200, JSON.stringify(env));
          const body = JSON.parse(res.body);
          const warned = (v: string) => app.stderr.some((l) => l.startsWith(`@rid/otel: ignoring ${v}=`));
          if (warned('RID_TRUST_INCOMING')) assert.notEqual(res.headers[(env.RID_HEADER_NAME ?? 'x-request-id').toLowerCase()], 'client-chosen-id', `untrusted with ${JSON.stringify(env)}`);
          if (warned('RID_PROPAGATE_TO')) assert.equal(body.viaHttp.received, null, `sent nowhere with ${JSON.stringify(env)}`);
          for (const line of app.stderr) assert.ok(line.length < 1200, line.slice(0, 200));
        } finally {
          await app.stop('SIGKILL');
        }
      }
    } finally {
      await new Promise((r) => downstream.close(r));
    }
  });
});

describe('RID_* bad values under @rid/otel/register (child processes)', function () {
  this.timeout(60000);
  let downstream: http.Server;
  let downstreamUrl: string;
  let apps: ChildApp[] = [];
  before(async () => {
    ensureBuilt();
    downstream = http.createServer((req, res) => res.end(JSON.stringify({ received: req.headers['x-request-id'] ?? null })));
    await new Promise<void>((r) => downstream.listen(0, '127.0.0.1', r));
    downstreamUrl = `http://127.0.0.1:${(downstream.address() as import('node:net').AddressInfo).port}/`;
  });
  after(() => new Promise((r) => downstream.close(r)));
  afterEach(async () => {
    await Promise.all(apps.map((a) => a.stop('SIGKILL')));
    apps = [];
  });
  async function app(env: Record<string, string>): Promise<ChildApp> {
    const started = await startApp(['--require', '@rid/otel/register'], 'cjs-app.js', { OTEL_TRACES_EXPORTER: 'none', DOWNSTREAM_URL: downstreamUrl, ...env });
    apps.push(started);
    return started;
  }
  const ridLines = (a: ChildApp): string[] => a.stderr.filter((l) => l.includes('RID_'));

  it('RID_TRUST_INCOMING=ture: a client-sent ID is replaced, not trusted', async () => {
    const started = await app({ RID_TRUST_INCOMING: 'ture' });
    const res = await get(started.url, { 'x-request-id': 'client-chosen-id' });
    assert.equal(res.status, 200);
    assert.notEqual(res.headers['x-request-id'], 'client-chosen-id');
    assert.equal(ridLines(started).length, 1, started.stderr.join('\n'));
  });

  it('RID_PROPAGATE_TO=http://internal.example.com: the downstream call carries no ID', async () => {
    const started = await app({ RID_PROPAGATE_TO: 'http://internal.example.com' });
    const res = await get(`${started.url}/fanout`);
    assert.equal(res.status, 200);
    const body = JSON.parse(res.body);
    assert.equal(body.viaHttp.received, null, 'http.get carried no ID');
    assert.equal(body.viaFetch.received, null, 'fetch carried no ID');
    assert.equal(ridLines(started).length, 1, started.stderr.join('\n'));
  });

  it('RID_RANGE_ID_LENGTH=1000000000: the app starts and serves (no out-of-memory abort), one short line', async () => {
    const started = await app({ RID_RANGE_ID_LENGTH: '1000000000' });
    assert.equal((await get(started.url)).status, 200);
    const lines = ridLines(started);
    assert.equal(lines.length, 1, started.stderr.join('\n'));
    assert.ok(lines[0].length < 400);
  });

  it('RID_SHUTDOWN_TIMEOUT_MS=3000000000: one line, the default is used', async () => {
    const started = await app({ RID_SHUTDOWN_TIMEOUT_MS: '3000000000' });
    assert.equal((await get(started.url)).status, 200);
    const lines = ridLines(started);
    assert.equal(lines.length, 1, started.stderr.join('\n'));
    assert.match(lines[0], /RID_SHUTDOWN_TIMEOUT_MS="3000000000": expected a whole number of milliseconds from 0 to 600000; using the default \(5000\)\. Example: RID_SHUTDOWN_TIMEOUT_MS=10000/);
  });
});
