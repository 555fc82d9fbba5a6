import * as assert from 'node:assert/strict';
import { otlpTracesEndpoint, tcpTarget } from '../../src/register/otlp-endpoint';

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
