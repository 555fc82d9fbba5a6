/**
 * SIGTERM under `--require @rid/otel/register` with an HTTP/2 server: the request in flight is
 * answered (no RST_STREAM), its span delivered, then the process dies of the signal. Node 20 and
 * 22.0–22.16 have no HTTP/2 channels: the graceful stop must know the server there too.
 */
import * as assert from 'node:assert/strict';
import { ensureBuilt, startApp, type ChildApp } from '../support/child-app';
import { startOtlpReceiver, type OtlpReceiver } from '../../bench/lib/otlp-receiver';
import { h2Connect, h2Request } from '../support/h2';

describe('SIGTERM drains HTTP/2 servers under @rid/otel/register (child process, local OTLP receiver)', function () {
  this.timeout(60000);
  let receiver: OtlpReceiver;
  let started: ChildApp | undefined;

  before(() => ensureBuilt());
  beforeEach(async () => {
    receiver = await startOtlpReceiver();
  });
  afterEach(async () => {
    await started?.stop('SIGKILL');
    await receiver.close();
  });

  it('an HTTP/2 request in flight at SIGTERM gets its response (GOAWAY, no reset), then the process dies of SIGTERM', async () => {
    started = await startApp(['--require', '@rid/otel/register'], 'h2-server-app.js', {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '60000',
      RID_SHUTDOWN_TIMEOUT_MS: '5000',
    });
    const session = h2Connect(started.url);
    try {
      const inFlight = h2Request(session, { ':path': '/slow' });
      for (const deadline = Date.now() + 5000; !started.messages.some((m) => m.slowStarted) && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(started.messages.some((m) => m.slowStarted), 'the request reached the app');
      started.child.kill('SIGTERM');
      const response = await inFlight;
      assert.equal(response.error, undefined, JSON.stringify(response));
      assert.equal(response.status, 200);
      assert.equal(response.body, 'ok');
      const exit = await started.exited;
      assert.equal(exit.signal, 'SIGTERM', JSON.stringify(exit));
      // Its SERVER span (every Node line) is delivered before the exit.
      const id = response.headers['x-request-id'];
      assert.ok(typeof id === 'string' && id.length > 0, JSON.stringify(response.headers));
      const server = receiver.spans.filter((s) => s.kind === 'SERVER' && s.attributes['request.id'] === id);
      assert.equal(server.length, 1, `SERVER spans for ${id}: ${JSON.stringify(receiver.spans.map((s) => [s.kind, s.attributes['request.id']]))}`);
    } finally {
      session.destroy();
    }
  });
});
