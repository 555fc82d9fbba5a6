import * as assert from 'node:assert/strict';
import { configFromEnv, ENV_OPTIONS } from '../../src/register/env-config';
import { propagatorFromEnv, spanProcessorsFromEnv } from '../../src/register/otel-env';
import { RequestIdPropagator } from '../../src';

function read(env: Record<string, string>): { config: Record<string, unknown>; lines: string[] } {
  const lines: string[] = [];
  const config = configFromEnv(env, (line) => lines.push(line)) as Record<string, unknown>;
  return { config, lines };
}

describe('RID_* environment variables', () => {
  it('one variable per option, named after it', () => {
    const names = ENV_OPTIONS.map((e) => e.env);
    for (const e of ENV_OPTIONS) {
      const expected = 'RID_' + e.option.replace(/\./g, '_').replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
      assert.equal(e.env, expected);
    }
    assert.equal(new Set(names).size, names.length);
  });

  it('reads every option', () => {
    const { config, lines } = read({
      RID_HEADER_NAME: 'X-Correlation-Id',
      RID_INCLUDE_IN_RESPONSE: 'false',
      RID_RANGE_ID_CHAR_SET: 'abcdef123',
      RID_RANGE_ID_LENGTH: '12',
      RID_ATTRIBUTE_NAME: 'correlation.id',
      RID_ORIGINAL_ATTRIBUTE_NAME: 'correlation.id.sent',
      RID_VALIDATION_MIN_LENGTH: '4',
      RID_VALIDATION_MAX_LENGTH: '64',
      RID_VALIDATION_PATTERN: '^[a-z0-9-]+$',
      RID_TRUST_INCOMING: '10.0.0.0/8, ::1',
      RID_IGNORE: '/healthz,/metrics',
      RID_PROPAGATE_TO: '*.internal,api:8443',
      RID_CAPTURE_AWS_REQUEST_IDS: '0',
      RID_CAPTURE_VENDOR_REQUEST_IDS: 'openai, stripe,downstream',
    });
    assert.deepEqual(lines, []);
    assert.deepEqual(config, {
      headerName: 'X-Correlation-Id',
      includeInResponse: false,
      algorithm: 'range_id',
      rangeId: { charSet: 'abcdef123', length: 12 },
      attributeName: 'correlation.id',
      originalAttributeName: 'correlation.id.sent',
      validation: { minLength: 4, maxLength: 64, pattern: /^[a-z0-9-]+$/ },
      trustIncoming: ['10.0.0.0/8', '::1'],
      ignore: ['/healthz', '/metrics'],
      propagateTo: ['*.internal', 'api:8443'],
      captureAwsRequestIds: false,
      captureVendorRequestIds: ['openai', 'stripe', 'downstream'],
    });
  });

  it('RID_CAPTURE_VENDOR_REQUEST_IDS: true, false, or built-in names; an unknown name is one line and capture off (closed)', () => {
    assert.deepEqual(read({ RID_CAPTURE_VENDOR_REQUEST_IDS: 'false' }).config, { captureVendorRequestIds: false });
    const { config, lines } = read({ RID_CAPTURE_VENDOR_REQUEST_IDS: 'openai,paypal' });
    assert.deepEqual(config, { captureVendorRequestIds: false });
    assert.equal(lines.length, 1);
    assert.match(lines[0], /ignoring RID_CAPTURE_VENDOR_REQUEST_IDS="openai,paypal": expected .*one of 'openai'.*using false .*Example: RID_CAPTURE_VENDOR_REQUEST_IDS=openai,stripe$/);
  });

  it('a bad value gives one line naming the variable, the value and the valid values, and the default is kept', () => {
    const { config, lines } = read({ RID_ALGORITHM: 'snowflake', RID_INCLUDE_IN_RESPONSE: 'maybe', RID_HEADER_NAME: 'X-Good' });
    assert.deepEqual(config, { headerName: 'X-Good' });
    assert.equal(lines.length, 2);
    assert.match(lines.find((l) => l.includes('RID_INCLUDE_IN_RESPONSE'))!, /="maybe": expected true or false; using the default \(true\)/);
    assert.match(lines.find((l) => l.includes('RID_ALGORITHM'))!, /="snowflake": expected one of 'uuid'.*using the default \('uuid'\)/);
  });

  it('combinations the instrumentation rejects are dropped and reported', () => {
    const a = read({ RID_ALGORITHM: 'nanoid', RID_RANGE_ID_LENGTH: '8' });
    assert.deepEqual(a.config, { algorithm: 'nanoid' });
    assert.equal(a.lines.length, 1);
    assert.match(a.lines[0], /RID_RANGE_ID_LENGTH="8"/);
    const b = read({ RID_RANGE_ID_LENGTH: '5' });
    assert.deepEqual(b.config, {});
    assert.match(b.lines[0], /RID_RANGE_ID_LENGTH="5": expected an integer >= 6/);
    const c = read({ RID_VALIDATION_PATTERN: '^[0-9]+$' });
    assert.deepEqual(c.config, {}, 'a pattern that rejects our own uuids is dropped');
    assert.match(c.lines[0], /RID_VALIDATION_PATTERN/);
    const d = read({ RID_VALIDATION_PATTERN: '([' });
    assert.match(d.lines[0], /RID_VALIDATION_PATTERN="\(\[": expected a JavaScript regular expression/);
  });

  it('empty variables are ignored', () => {
    assert.deepEqual(read({ RID_ALGORITHM: '', RID_HEADER_NAME: '' }), { config: {}, lines: [] });
  });
});

describe('OTEL_* exporter and propagator variables', () => {
  const names = (p: ReturnType<typeof propagatorFromEnv>) => (p === null ? null : p.fields());

  it('default propagators: tracecontext, baggage and request-id', () => {
    assert.deepEqual(names(propagatorFromEnv(new RequestIdPropagator(), {}, () => assert.fail('no warning'))), ['traceparent', 'tracestate', 'baggage', 'x-request-id']);
  });

  it('OTEL_PROPAGATORS is honoured; unknown names are reported; none means none', () => {
    const lines: string[] = [];
    const p = propagatorFromEnv(new RequestIdPropagator(), { OTEL_PROPAGATORS: 'tracecontext,xray,b3' }, (l) => lines.push(l));
    assert.deepEqual(names(p), ['traceparent', 'tracestate', 'b3']);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /ignoring OTEL_PROPAGATORS="tracecontext,xray,b3": expected tracecontext, .*; using tracecontext,b3 /);
    assert.equal(propagatorFromEnv(new RequestIdPropagator(), { OTEL_PROPAGATORS: 'none' }), null);
  });

  it('OTEL_TRACES_EXPORTER: none gives no processor; a bad value is reported and otlp is used', () => {
    assert.deepEqual(spanProcessorsFromEnv({ OTEL_TRACES_EXPORTER: 'none' }), []);
    const lines: string[] = [];
    const processors = spanProcessorsFromEnv({ OTEL_TRACES_EXPORTER: 'jaeger-thrift' }, (l) => lines.push(l));
    assert.equal(processors.length, 1);
    assert.match(lines.join('\n'), /jaeger-thrift.*expected otlp, console, none/);
    const bad: string[] = [];
    spanProcessorsFromEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' }, (l) => bad.push(l));
    assert.match(bad[0], /OTEL_EXPORTER_OTLP_PROTOCOL="thrift": expected one of http\/protobuf, http\/json, grpc; using http\/protobuf/);
    for (const p of processors) void p.shutdown();
  });
});
