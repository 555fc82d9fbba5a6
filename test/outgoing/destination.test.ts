import '../support/otel';
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import { connect as netConnect, type Socket } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { runWithRequestId } from '../../src';
import { destinationFromOrigin, parseAuthority } from '../../src/http/destination';
import { h2Request, startH2, type H2TestServer } from '../support/h2';
import { useTestScope } from '../support/scope';

describe('one destination parser for every transport', () => {
  it('host, host:port, [v6], [v6]:port and Node\'s v6:port; the default port when none is written', () => {
    assert.deepEqual(parseAuthority('http:', 'LocalHost'), { protocol: 'http:', hostname: 'localhost', port: 80 });
    assert.deepEqual(parseAuthority('https:', 'api.example.com'), { protocol: 'https:', hostname: 'api.example.com', port: 443 });
    assert.deepEqual(parseAuthority('http:', 'localhost:8080'), { protocol: 'http:', hostname: 'localhost', port: 8080 });
    assert.deepEqual(parseAuthority('https:', '[::1]:8443'), { protocol: 'https:', hostname: '::1', port: 8443 });
    assert.deepEqual(parseAuthority('https:', '[::1]'), { protocol: 'https:', hostname: '::1', port: 443 });
    assert.deepEqual(parseAuthority('https:', '::1:8443', true), { protocol: 'https:', hostname: '::1', port: 8443 });
    assert.deepEqual(parseAuthority('http:', '::1'), { protocol: 'http:', hostname: '::1', port: 80 });
    assert.equal(parseAuthority('http:', ''), undefined);
    assert.equal(parseAuthority('http:', 'host:abc'), undefined);
    assert.equal(parseAuthority('http:', '[::1'), undefined);
    assert.deepEqual(destinationFromOrigin('http://localhost'), { protocol: 'http:', hostname: 'localhost', port: 80 });
    assert.deepEqual(destinationFromOrigin('https://user@[::1]:9443/path'), { protocol: 'https:', hostname: '::1', port: 9443 });
    assert.equal(destinationFromOrigin('not an origin'), undefined);
  });

  describe("propagateTo: ['localhost:80'] (a default port written out)", () => {
    const scope = useTestScope();
    let h1: http.Server;
    let h1Port = 0;
    let h2: H2TestServer;
    const received: Record<string, string | undefined> = {};
    beforeEach(async () => {
      h1 = http.createServer((req, res) => {
        received[String(req.url)] = req.headers['x-request-id'] as string | undefined;
        res.end('ok');
      });
      await new Promise<void>((r) => h1.listen(0, '127.0.0.1', r));
      h1Port = (h1.address() as { port: number }).port;
      h2 = await startH2((server) =>
        server.on('stream', (stream, headers) => {
          received[String(headers[':path'])] = headers['x-request-id'] as string | undefined;
          stream.respond({ ':status': 200 });
          stream.end('ok');
        }),
      );
    });
    afterEach(async () => {
      await new Promise((r) => h1.close(r));
      await h2.close();
    });

    /** Every call names `http://localhost` (port 80); its bytes go to the local server's real port. */
    const toLocal = (port: number) => (): Socket => netConnect(port, '127.0.0.1');

    it('http, fetch and HTTP/2 all send the ID to http://localhost', async () => {
      scope.instrument({ propagateTo: ['localhost:80'] });
      const dispatcher = new Agent({
        connect: (_options, callback) => {
          const socket = netConnect(h1Port, '127.0.0.1');
          socket.once('connect', () => callback(null, socket)).once('error', (err) => callback(err, null));
          return socket;
        },
      });
      try {
        await runWithRequestId('default-port-id', async () => {
          // Through an Agent (this package adds the ID in Agent#addRequest), whose connections go to the local server.
          const agent = new http.Agent();
          agent.createConnection = toLocal(h1Port) as unknown as typeof agent.createConnection;
          await new Promise<void>((resolve, reject) =>
            http.get({ hostname: 'localhost', path: '/http', agent }, (res) => res.resume().on('end', resolve)).on('error', reject),
          );
          agent.destroy();
          await (await undiciFetch('http://localhost/fetch', { dispatcher })).text();
          const session = http2.connect('http://localhost', { createConnection: toLocal(h2.port) });
          session.on('error', () => {});
          try {
            await h2Request(session, { ':path': '/h2' });
          } finally {
            session.close();
          }
        });
      } finally {
        await dispatcher.close();
      }
      assert.deepEqual(received, { '/http': 'default-port-id', '/fetch': 'default-port-id', '/h2': 'default-port-id' });
    });
  });
});
