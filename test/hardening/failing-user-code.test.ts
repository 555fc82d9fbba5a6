/**
 * Failing user code (issue #7, item 6), at volume: instrumentation.test.ts and propagation.test.ts
 * show each hook failing on 2-3 requests. Here 1,000 requests per case, concurrent over keep-alive
 * connections: every request is served with the fallback, and each kind of failure is reported
 * exactly once through diag, not once per request.
 */
import '../support/otel';
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { getRequestId, RequestIdInstrumentation, type RequestIdInstrumentationConfig } from '../../src';
import { startServer, type TestServer } from '../support/http';
import { diagLines, resetSpans } from '../support/otel';
import { untraced } from '../../bench/lib/untraced';
import { pool } from '../support/raw-http';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const N = 1000;

describe('hardening: failing user code, 1,000 requests per case', function () {
  this.timeout(60_000);
  let instrumentation: RequestIdInstrumentation | undefined;
  let servers: TestServer[] = [];
  let downstream: TestServer;

  before(async () => {
    downstream = await startServer((req, res) => res.end(JSON.stringify({ received: req.headers['x-request-id'] ?? null })));
  });
  after(() => downstream.close());
  beforeEach(() => resetSpans());
  afterEach(async () => {
    instrumentation?.disable();
    instrumentation = undefined;
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });

  interface Served {
    status: number;
    id: string;
    seen: string | null;
    received: string | null;
  }

  /** N requests, 50 at a time over keep-alive, to a server that answers with getRequestId() and, every 10th, what a downstream call carried. */
  async function hammer(config: RequestIdInstrumentationConfig, headers: (i: number) => http.OutgoingHttpHeaders = () => ({})): Promise<Served[]> {
    instrumentation = new RequestIdInstrumentation(config);
    const server = await startServer((req, res) => {
      // Every 10th request also calls downstream: the fallback ID must travel too.
      if (!req.url!.endsWith('0')) return res.end(JSON.stringify({ seen: getRequestId() ?? null, received: null }));
      http.get(downstream.url, (d) => {
        let body = '';
        d.on('data', (c: Buffer) => (body += c));
        d.on('end', () => res.end(JSON.stringify({ seen: getRequestId() ?? null, received: JSON.parse(body).received })));
      });
    });
    servers.push(server);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
    try {
      return await pool(N, 50, (i) => new Promise<Served>((resolve, reject) => {
        untraced(() =>
          http.get(`${server.url}/orders/${i}`, { agent, headers: headers(i) }, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, id: res.headers['x-request-id'] as string, ...JSON.parse(body) }));
          }),
        ).on('error', reject);
      }));
    } finally {
      agent.destroy();
    }
  }

  function reports(fragment: string): { level: string; message: string }[] {
    return diagLines.filter((l) => l.message.includes(fragment));
  }

  function assertAllServedWithUuids(results: Served[], propagated = true): void {
    assert.equal(results.length, N);
    results.forEach((r, i) => {
      assert.equal(r.status, 200);
      assert.match(r.id, UUID_V4, 'the fallback: a uuid');
      assert.equal(r.seen, r.id);
      assert.equal(r.received, propagated && i % 10 === 0 ? r.id : null);
    });
    assert.equal(new Set(results.map((r) => r.id)).size, N, 'every fallback ID is fresh');
  }

  it('a generator that always throws: 1,000 requests served with uuids, one diag line', async () => {
    const results = await hammer({
      algorithm: () => {
        throw new Error('id service unreachable');
      },
    });
    assertAllServedWithUuids(results);
    const lines = reports('id service unreachable');
    assert.equal(lines.length, 1, JSON.stringify(diagLines));
    assert.equal(lines[0].level, 'error');
    assert.match(lines[0].message, /algorithm function threw; using a uuid instead.*\(reported once\)/s);
  });

  it('a generator returning garbage of every kind: never echoed, one diag line', async () => {
    const garbage: unknown[] = [
      42,
      null,
      undefined,
      { id: 'x' },
      Promise.resolve('async-id'),
      Symbol('id'),
      'bad\r\nX-Injected: 1',
      '',
      'x'.repeat(201),
      'caf\u00e9',
      '\u{1F600}',
      'has space',
      new String('boxed'),
    ];
    let n = 0;
    const results = await hammer({ algorithm: (() => garbage[n++ % garbage.length]) as () => string });
    assertAllServedWithUuids(results);
    assert.equal(reports('fails `validation`').length, 1, JSON.stringify(diagLines));
    assert.equal(diagLines.length, 1, 'and nothing else');
  });

  it('a generator that throws non-Errors (a string, null, an object whose toString throws) or returns garbage, in turn: two diag lines, one per kind', async () => {
    const unprintable = {
      toString(): string {
        throw new Error('cannot print me');
      },
    };
    let n = 0;
    const results = await hammer({
      algorithm: () => {
        const k = n++ % 4;
        if (k === 0) throw 'a bare string';
        if (k === 1) throw null;
        if (k === 2) throw unprintable;
        return 42 as unknown as string;
      },
    });
    assertAllServedWithUuids(results);
    assert.equal(reports('algorithm function threw').length, 1, JSON.stringify(diagLines));
    assert.equal(reports('fails `validation`').length, 1, JSON.stringify(diagLines));
    assert.equal(diagLines.length, 2);
  });

  it('every hook failing at once (generator, ignore, route matcher, trustIncoming, propagateTo): all served, one diag line per kind', async () => {
    const boom = (what: string) => () => {
      throw new Error(`${what} down`);
    };
    const results = await hammer(
      {
        algorithm: boom('generator'),
        ignore: boom('ignore'),
        rules: [{ match: boom('matcher'), headerName: 'X-Route-Id' }],
        trustIncoming: boom('trust'),
        propagateTo: boom('propagateTo'),
      },
      (i) => ({ 'x-request-id': `client-${i}` }),
    );
    // Untrusted (the trust function threw): a fresh ID; propagateTo threw: nothing sent (fails closed).
    assertAllServedWithUuids(results, false);
    for (const what of ['generator', 'ignore', 'matcher', 'trust', 'propagateTo']) {
      assert.equal(reports(`${what} down`).length, 1, `${what}: ${JSON.stringify(diagLines.map((l) => l.message.slice(0, 80)))}`);
    }
    assert.equal(diagLines.length, 5);
  });
});
