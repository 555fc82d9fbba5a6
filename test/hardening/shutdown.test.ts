/**
 * Shutdown under load (issue #7, item 5). test/register.test.ts sends SIGTERM to an app serving
 * 20 keep-alive clients on a 200 ms route (some 50-100 requests). Here the load is higher and
 * mixed: 48 keep-alive and 16 one-connection-per-request clients, fast and slow routes, 2,000 requests
 * answered before the signal, and the batch processor's default 5 s delay, so the queue is full of finished spans
 * when the signal comes. Every request a client got an answer for must have its SERVER span at
 * the collector, and no span may exist for a request that was not answered.
 */
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { ChildApp } from '../../bench/lib/app-process';
import { startLoadApp, timedGet } from '../../bench/lib/load-app';
import { startOtlpReceiver, type OtlpReceiver } from '../../bench/lib/otlp-receiver';

describe('hardening: SIGTERM under load (child process, spans counted at a local receiver)', function () {
  this.timeout(60_000);
  let receiver: OtlpReceiver;
  let app: ChildApp | undefined;

  beforeEach(async () => {
    receiver = await startOtlpReceiver();
  });
  afterEach(async () => {
    await app?.stop('SIGKILL');
    app = undefined;
    await receiver.close();
  });

  it('keep-alive and one-shot clients, fast and slow requests: spans delivered = requests answered, exactly', async () => {
    app = await startLoadApp({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, SLOW_MS: '40' });
    const started = app;
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 48 });
    const answered = new Map<string, { path: string; kind: string; at: number }>();
    let refusedOrReset = 0;
    let stop = false;
    let sigtermAt = Infinity;

    const worker = async (w: number): Promise<void> => {
      const oneShot = w >= 48;
      for (let i = 0; !stop; i++) {
        const path = (w + i) % 3 === 0 ? `/slow/${w}-${i}` : `/fast/${w}-${i}`;
        try {
          const a = await timedGet(`${started.url}${path}`, oneShot ? false : keepAlive);
          assert.equal(a.status, 200, `${path}: ${a.status}`);
          assert.equal(JSON.parse(a.body).seen, a.id);
          answered.set(a.id!, { path, kind: oneShot ? 'one-shot' : 'keep-alive', at: Date.now() });
        } catch (err) {
          if (err instanceof assert.AssertionError) throw err;
          // Refused or reset once the server stopped taking connections: not answered, so no span is owed.
          refusedOrReset++;
          if (Date.now() < sigtermAt) throw err;
          if (oneShot || refusedOrReset > 1000) return;
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    };
    const workers = Array.from({ length: 64 }, (_, w) => worker(w));
    // Load until 2,000 requests are answered (at most 8 s), then the signal, with requests in flight.
    const loadDeadline = Date.now() + 8000;
    while (answered.size < 2000 && Date.now() < loadDeadline) await new Promise((r) => setTimeout(r, 20));
    sigtermAt = Date.now();
    started.child.kill('SIGTERM');
    const exit = await started.exited;
    const exitMs = Date.now() - sigtermAt;
    stop = true;
    await Promise.all(workers);
    keepAlive.destroy();

    assert.equal(exit.signal, 'SIGTERM', 'the process still dies of the signal');
    const spans = receiver.spans.filter((s) => s.kind === 'SERVER' && /^\/(fast|slow)\//.test(String(s.attributes['url.path'])));
    const delivered = new Map<string, string>();
    for (const s of spans) {
      const id = s.attributes['request.id'] as string;
      assert.ok(!delivered.has(id), `one span per request: ${id} twice`);
      delivered.set(id, String(s.attributes['url.path']));
    }
    const byKind = { 'keep-alive': 0, 'one-shot': 0 };
    let afterSignal = 0;
    for (const [id, { path, kind, at }] of answered) {
      byKind[kind as keyof typeof byKind]++;
      if (at >= sigtermAt) afterSignal++;
      assert.equal(delivered.get(id), path, `the span of answered request ${path} (${id}) was delivered`);
    }
    console.log(
      `      answered ${answered.size} (keep-alive ${byKind['keep-alive']}, one-shot ${byKind['one-shot']}; ${afterSignal} completed after SIGTERM), ` +
        `${delivered.size} SERVER spans delivered, ${refusedOrReset} refused or reset after the signal; exit ${exitMs} ms after SIGTERM`,
    );
    assert.equal(delivered.size, answered.size, 'no span for a request that was not answered');
    assert.ok(answered.size >= 1000, `answered ${answered.size}`);
    assert.ok(byKind['one-shot'] >= 50 && byKind['keep-alive'] >= 500, JSON.stringify(byKind));
  });
});
