import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SpanKind } from '@opentelemetry/api';
import type { FixtureSpan } from '../fixtures/serve-once';

const run = promisify(execFile);
const fixture = join(__dirname, '../fixtures/grpc-app.ts');

interface Result {
  status: number;
  handlerId: string;
  grpcMetadata: Record<string, string[]>;
  grpcRequestId: string | undefined;
  spans: FixtureSpan[];
}

async function fixtureRun(mode: string): Promise<Result> {
  const { stdout } = await run(process.execPath, ['-r', 'ts-node/register/transpile-only', fixture, mode], { cwd: join(__dirname, '../..'), timeout: 60000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Result;
}

/** gRPC runs over node:http2: it must get no second SERVER or CLIENT span beside instrumentation-grpc's. */
describe('gRPC (@grpc/grpc-js over node:http2), in a child process', () => {
  it('with instrumentation-grpc: its spans only (one SERVER, one CLIENT), the ID in the metadata once, getRequestId() in the gRPC handler', async () => {
    const result = await fixtureRun('with-grpc-instrumentation');
    assert.equal(result.status, 200);
    const grpcSpans = result.spans.filter((s) => s.name.startsWith('grpc.'));
    assert.deepEqual(grpcSpans.map((s) => [s.kind, s.scope]).sort(), [
      [SpanKind.SERVER, '@opentelemetry/instrumentation-grpc'],
      [SpanKind.CLIENT, '@opentelemetry/instrumentation-grpc'],
    ].sort());
    assert.equal(result.spans.filter((s) => s.scope === '@rid/otel').length, 0, 'no HTTP/2 span of ours for a gRPC call');
    assert.deepEqual(result.grpcMetadata['x-request-id'], [result.handlerId]);
    assert.equal(result.grpcRequestId, result.handlerId);
    for (const span of grpcSpans) assert.equal(span.attributes['request.id'], result.handlerId);
  });

  it('without it: no gRPC spans at all, and the call still carries the ID as x-request-id metadata', async () => {
    const result = await fixtureRun('without');
    assert.equal(result.status, 200);
    assert.equal(result.spans.filter((s) => s.name.startsWith('grpc.') || s.scope === '@rid/otel').length, 0);
    assert.deepEqual(result.grpcMetadata['x-request-id'], [result.handlerId]);
  });
});
