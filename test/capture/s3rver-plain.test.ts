/**
 * What a user pointing at plain s3rver sees (the docs say it): s3rver sends no request ID header
 * at all, so neither the AWS SDK's `$metadata` nor the spans have an S3 request ID. The other AWS
 * tests put a proxy in front of s3rver that adds the headers S3 sends (support/aws-emulators.ts).
 */
import '../support/otel';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { s3Client } from '../support/aws-emulators';
import { get } from '../support/http';
import { finishedSpans } from '../support/otel';
import { useTestScope } from '../support/scope';
import { waitFor } from '../support/wait';

describe('plain s3rver (no ID proxy in front)', function () {
  this.timeout(30000);
  const scope = useTestScope();

  it('sends no x-amz-request-id or x-amz-id-2: $metadata.requestId is undefined, and no aws.* ID or aws.call is recorded', async () => {
    scope.instrument();
    const directory = mkdtempSync(join(tmpdir(), 'rid-s3rver-plain-'));
    const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
    const { port } = await s3rver.run();
    const client = s3Client(`http://127.0.0.1:${port}`);
    try {
      const metadata: unknown[] = [];
      const app = await scope.serve((_req, res) => {
        void (async () => {
          metadata.push((await client.send(new CreateBucketCommand({ Bucket: 'plain' }))).$metadata);
          metadata.push((await client.send(new PutObjectCommand({ Bucket: 'plain', Key: 'k', Body: 'v' }))).$metadata);
          const missing = await client.send(new GetObjectCommand({ Bucket: 'plain', Key: 'missing' })).catch((err: { $metadata: unknown }) => err);
          metadata.push((missing as { $metadata: unknown }).$metadata);
          res.end('ok');
        })();
      });
      assert.equal((await get(app.url)).body, 'ok');
      assert.deepEqual(
        metadata.map((m) => (m as { requestId?: string; extendedRequestId?: string }).requestId ?? (m as { extendedRequestId?: string }).extendedRequestId),
        [undefined, undefined, undefined],
        'the SDK saw no request ID, on a success or a 404',
      );
      const server = await waitFor('the SERVER span', () => finishedSpans(SpanKind.SERVER).find((s) => s.attributes['server.port'] === app.port));
      const clients = finishedSpans(SpanKind.CLIENT).filter((s) => s.attributes['server.port'] === port);
      assert.equal(clients.length, 3, 'three calls');
      for (const span of clients) assert.deepEqual(Object.keys(span.attributes).filter((k) => /^(aws|rid)\./.test(k)), [], span.name);
      assert.deepEqual(server.events.map((e) => e.name), [], 'no aws.call event');
    } finally {
      client.destroy();
      await s3rver.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
