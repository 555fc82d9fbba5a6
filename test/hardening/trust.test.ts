/**
 * trustIncoming (issue #7, item 1): what test/instrumentation.test.ts leaves out. There, the peer
 * is always 127.0.0.1 on an IPv4 socket. Here: an IPv6 peer (::1), an IPv4 peer on a dual-stack
 * server listening on `::` (Node reports it as `::ffff:127.0.0.1`), and RID_TRUST_INCOMING through
 * `--require @rid/otel/register`.
 */
import '../support/otel';
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { getRequestId, RequestIdInstrumentation, type TrustIncoming } from '../../src';
import { ensureBuilt, startApp, type ChildApp } from '../support/child-app';
import { get } from '../support/http';
import { resetSpans, waitForSpans } from '../support/otel';
import { startOtlpReceiver, type OtlpReceiver } from '../../bench/lib/otlp-receiver';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function listen(host: string): Promise<{ server: http.Server; port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => res.end(JSON.stringify({ seen: getRequestId() ?? null, peer: req.socket.remoteAddress })));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('hardening: trustIncoming with IPv6 and dual-stack peers', () => {
  let servers: { close(): Promise<void> }[] = [];
  beforeEach(() => resetSpans());
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });

  /** Sends `client-id` from `clientHost` to a server on `serverHost` under `trustIncoming`; says whether it was reused. */
  async function reused(serverHost: string, clientHost: string, trustIncoming: TrustIncoming): Promise<{ reused: boolean; peer: string }> {
    const inst = new RequestIdInstrumentation({ trustIncoming });
    try {
      const s = await listen(serverHost);
      servers.push(s);
      const res = await get(`http://${clientHost.includes(':') ? `[${clientHost}]` : clientHost}:${s.port}/`, { 'X-Request-Id': 'client-id' });
      const id = res.headers['x-request-id'] as string;
      const body = JSON.parse(res.body) as { seen: string; peer: string };
      assert.equal(body.seen, id);
      const [span] = await waitForSpans(SpanKind.SERVER, 1);
      resetSpans();
      if (id === 'client-id') {
        assert.equal(span.attributes['request.id.original'], undefined);
        return { reused: true, peer: body.peer };
      }
      assert.match(id, UUID_V4, 'an untrusted peer gets a fresh ID');
      assert.equal(span.attributes['request.id'], id);
      assert.equal(span.attributes['request.id.original'], 'client-id', 'and its value is kept in request.id.original');
      return { reused: false, peer: body.peer };
    } finally {
      inst.disable();
    }
  }

  const cases: [string, string, string, TrustIncoming, boolean, string][] = [
    // server host, client host, what, trustIncoming, reused, peer address as Node reports it
    ['::1', '::1', "['::1']", ['::1'], true, '::1'],
    ['::1', '::1', "['::1/128']", ['::1/128'], true, '::1'],
    ['::1', '::1', "['::/0']", ['::/0'], true, '::1'],
    ['::1', '::1', "['127.0.0.0/8'] (IPv4 only)", ['127.0.0.0/8'], false, '::1'],
    ['::1', '::1', "['fe80::/10', '10.0.0.0/8']", ['fe80::/10', '10.0.0.0/8'], false, '::1'],
    ['::', '127.0.0.1', "['127.0.0.1'] from an IPv4-mapped peer", ['127.0.0.1'], true, '::ffff:127.0.0.1'],
    ['::', '127.0.0.1', "['127.0.0.0/8'] from an IPv4-mapped peer", ['127.0.0.0/8'], true, '::ffff:127.0.0.1'],
    ['::', '127.0.0.1', "['::ffff:127.0.0.1'] (the mapped form itself)", ['::ffff:127.0.0.1'], true, '::ffff:127.0.0.1'],
    ['::', '127.0.0.1', "['::ffff:0:0/96'] (every mapped address)", ['::ffff:0:0/96'], true, '::ffff:127.0.0.1'],
    ['::', '127.0.0.1', "['10.0.0.0/8', '::1'] from an IPv4-mapped peer", ['10.0.0.0/8', '::1'], false, '::ffff:127.0.0.1'],
    ['::', '127.0.0.1', "['128.0.0.0/1'] (127 is just outside)", ['128.0.0.0/1'], false, '::ffff:127.0.0.1'],
    ['::', '::1', "['127.0.0.0/8'] from ::1 on the dual-stack server", ['127.0.0.0/8'], false, '::1'],
    ['::', '::1', "['::1'] from ::1 on the dual-stack server", ['::1'], true, '::1'],
  ];
  for (const [serverHost, clientHost, what, trustIncoming, expected, peer] of cases) {
    it(`server on ${serverHost}, client from ${clientHost}: ${what} ${expected ? 'trusts' : 'does not trust'} the peer`, async () => {
      const result = await reused(serverHost, clientHost, trustIncoming);
      assert.equal(result.peer, peer, 'the peer address Node reports');
      assert.equal(result.reused, expected);
    });
  }
});

describe('hardening: RID_TRUST_INCOMING through --require @rid/otel/register', function () {
  this.timeout(30_000);
  let receiver: OtlpReceiver;
  let app: ChildApp | undefined;

  before(() => ensureBuilt());
  beforeEach(async () => {
    receiver = await startOtlpReceiver();
  });
  afterEach(async () => {
    await app?.stop('SIGKILL');
    app = undefined;
    await receiver.close();
  });

  async function serverSpanOf(id: string): Promise<Record<string, unknown>> {
    const spans = await receiver.waitFor((s) => s.some((x) => x.kind === 'SERVER' && x.attributes['request.id'] === id));
    const span = spans.find((x) => x.kind === 'SERVER' && x.attributes['request.id'] === id);
    assert.ok(span, `the SERVER span of ${id} reached the receiver`);
    return span.attributes;
  }

  it('RID_TRUST_INCOMING=false: every incoming ID is replaced and kept in request.id.original', async () => {
    app = await startApp(['--require', '@rid/otel/register'], 'cjs-app.js', {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      RID_TRUST_INCOMING: 'false',
    });
    const res = await get(app.url, { 'X-Request-Id': 'client-chosen' });
    const id = res.headers['x-request-id'] as string;
    assert.match(id, UUID_V4);
    assert.equal(JSON.parse(res.body).seen, id);
    assert.equal((await serverSpanOf(id))['request.id.original'], 'client-chosen');
    assert.deepEqual(app.stderr.filter((l) => l.includes('RID_')), [], 'no warning: false is a valid value');
  });

  it('RID_TRUST_INCOMING as a list: "10.0.0.0/8, 127.0.0.1" trusts the loopback peer, "10.0.0.0/8, ::1" does not', async () => {
    app = await startApp(['--require', '@rid/otel/register'], 'cjs-app.js', {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      RID_TRUST_INCOMING: '10.0.0.0/8, 127.0.0.1',
    });
    assert.equal((await get(app.url, { 'X-Request-Id': 'from-gateway' })).headers['x-request-id'], 'from-gateway');
    await app.stop('SIGKILL');
    app = await startApp(['--require', '@rid/otel/register'], 'cjs-app.js', {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      RID_TRUST_INCOMING: '10.0.0.0/8, ::1',
    });
    const id = (await get(app.url, { 'X-Request-Id': 'from-outside' })).headers['x-request-id'] as string;
    assert.match(id, UUID_V4);
    assert.equal((await serverSpanOf(id))['request.id.original'], 'from-outside');
  });
});
