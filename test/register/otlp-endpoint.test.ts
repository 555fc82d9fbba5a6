import * as assert from 'node:assert/strict';
import { otlpTracesEndpoint, resolveOtlpTracesEndpoint, tcpTarget } from '../../src/register/otlp-endpoint';

describe('otlpTracesEndpoint: where the OTLP trace exporter sends, as it reads the environment', () => {
  it('HTTP: the traces variable as given, else the general one with /v1/traces, else localhost:4318', () => {
    assert.equal(otlpTracesEndpoint('http/protobuf', {}), 'http://localhost:4318/v1/traces');
    assert.equal(otlpTracesEndpoint('http/json', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), 'http://collector:4318/v1/traces');
    assert.equal(otlpTracesEndpoint('http/protobuf', { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c.example/otlp/' }), 'https://c.example/otlp/v1/traces');
    assert.equal(
      otlpTracesEndpoint('http/protobuf', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:1', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: ' http://b:2/custom ' }),
      'http://b:2/custom',
    );
    assert.equal(otlpTracesEndpoint('http/protobuf', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:2' }), 'http://b:2/');
  });

  it('HTTP: a blank or unparsable variable is skipped, as the exporter skips it', () => {
    assert.equal(otlpTracesEndpoint('http/protobuf', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '  ', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:1' }), 'http://a:1/v1/traces');
    assert.equal(otlpTracesEndpoint('http/protobuf', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:1' }), 'http://a:1/v1/traces');
    assert.equal(otlpTracesEndpoint('http/protobuf', { OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }), 'http://localhost:4318/v1/traces');
  });

  it('gRPC: either variable as given, else http://localhost:4317', () => {
    assert.equal(otlpTracesEndpoint('grpc', {}), 'http://localhost:4317');
    assert.equal(otlpTracesEndpoint('grpc', { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' }), 'collector:4317');
    assert.equal(otlpTracesEndpoint('grpc', { OTEL_EXPORTER_OTLP_ENDPOINT: 'a:1', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b:2' }), 'https://b:2');
  });
});

describe('resolveOtlpTracesEndpoint: a variable that is not an endpoint is said in one line, and the exporter is told what is used', () => {
  const resolve = (protocol: 'grpc' | 'http/protobuf', env: NodeJS.ProcessEnv) => {
    const lines: string[] = [];
    return { ...resolveOtlpTracesEndpoint(protocol, env, (l) => lines.push(l)), lines };
  };

  it('gRPC: `not a url` (which the gRPC exporter throws on at its first export) is the default, with one line', () => {
    const { endpoint, rejected, lines } = resolve('grpc', { OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' });
    assert.equal(endpoint, 'http://localhost:4317');
    assert.equal(rejected, true);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^@rid\/otel: ignoring OTEL_EXPORTER_OTLP_ENDPOINT="not a url": expected .*; using the default \(http:\/\/localhost:4317\)\. Example: OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/collector:4317$/);
  });

  it('HTTP: a URL of another scheme is rejected too (the HTTP exporter would take it and fail at every export)', () => {
    const { endpoint, rejected, lines } = resolve('http/protobuf', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://collector/v1/traces', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:1' });
    assert.equal(endpoint, 'http://a:1/v1/traces');
    assert.equal(rejected, true);
    assert.deepEqual(lines.length, 1);
    assert.match(lines[0], /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="ftp:\/\/collector\/v1\/traces".*using OTEL_EXPORTER_OTLP_ENDPOINT \(http:\/\/a:1\/v1\/traces\)/);
  });

  it('good values: no line, and the exporter reads them itself', () => {
    for (const env of [{}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' }, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'unix:/tmp/otlp.sock' }]) {
      const { rejected, lines } = resolve('grpc', env);
      assert.deepEqual([rejected, lines], [false, []], JSON.stringify(env));
    }
  });
});

describe('tcpTarget: the host and port a connection to an endpoint goes to', () => {
  it('reads the port, or the scheme default; a bare host:port is https, as the gRPC exporter reads it', () => {
    assert.deepEqual(tcpTarget('http://localhost:4318/v1/traces'), { host: 'localhost', port: 4318 });
    assert.deepEqual(tcpTarget('https://c.example/v1/traces'), { host: 'c.example', port: 443 });
    assert.deepEqual(tcpTarget('http://c.example/v1/traces'), { host: 'c.example', port: 80 });
    assert.deepEqual(tcpTarget('collector:4317'), { host: 'collector', port: 4317 });
    assert.deepEqual(tcpTarget('http://[::1]:4318/'), { host: '::1', port: 4318 });
  });

  it('nothing for what is not TCP', () => {
    assert.equal(tcpTarget('unix:///var/run/otel.sock'), undefined);
    assert.equal(tcpTarget('http://'), undefined);
  });
});
