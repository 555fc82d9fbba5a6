/** The grpc-js fixture (grpc.ts): a real server and client, no .proto, no instrumentation. Not in the main suite (npm run test:support): test/http2/grpc.test.ts fails loudly when the fixture breaks. */
import * as assert from 'node:assert/strict';
import { startGrpc, type GrpcFixture } from './grpc';

describe('grpc-js fixture', () => {
  let fx: GrpcFixture;

  beforeEach(async () => {
    fx = await startGrpc();
  });
  afterEach(() => fx.close());

  it('a unary call answers the request and the metadata the server received', async () => {
    const reply = await fx.unary({ hello: 'world' }, { 'x-request-id': 'grpc-rid-1' });
    assert.deepEqual(reply.request, { hello: 'world' });
    assert.deepEqual(reply.metadata['x-request-id'], ['grpc-rid-1']);
    assert.equal(fx.calls.length, 1);
    assert.deepEqual(fx.calls[0].metadata['x-request-id'], ['grpc-rid-1']);
    assert.equal(fx.calls[0].path, '/rid.test.Echo/Unary');
    assert.match(fx.address, /^127\.0\.0\.1:\d+$/);
  });

  it('without metadata the server sees no x-request-id (nothing of ours is loaded)', async () => {
    const reply = await fx.unary();
    assert.equal(reply.metadata['x-request-id'], undefined);
    assert.ok(reply.metadata['user-agent']?.[0]?.startsWith('grpc-node-js/'));
  });

  it('a scripted failure reaches the client as a gRPC status', async () => {
    fx.failNext(fx.grpc.status.UNAVAILABLE);
    await assert.rejects(fx.unary({}), (err: { code: number }) => err.code === fx.grpc.status.UNAVAILABLE);
    assert.deepEqual((await fx.unary({ n: 2 })).request, { n: 2 });
  });

  it('concurrent calls on the one channel each get their own metadata back', async () => {
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => fx.unary({ i }, { 'x-request-id': `id-${i}` })));
    replies.forEach((reply, i) => {
      assert.deepEqual(reply.request, { i });
      assert.deepEqual(reply.metadata['x-request-id'], [`id-${i}`]);
    });
  });
});
