import * as http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

/** HTTP/2 servers need Node 22+ (its `http2.server.stream.*` channels); Node 20 has none. */
export const HTTP2_SERVERS = Number(process.versions.node.split('.')[0]) >= 22;

export interface H2Server {
  url: string;
  server: http2.Http2Server | http2.Http2SecureServer;
  close(): Promise<void>;
}

export interface H2Response {
  headers: http2.IncomingHttpHeaders;
  body: string;
}

const TLS = {
  key: readFileSync(join(__dirname, '../fixtures/tls-key.pem')),
  cert: readFileSync(join(__dirname, '../fixtures/tls-cert.pem')),
};

/** A real h2c server on 127.0.0.1:0 (or TLS, with `allowHTTP1`), closed with its sessions. */
export async function startH2(setup: (server: http2.Http2Server) => void, tls = false): Promise<H2Server> {
  const server = tls ? http2.createSecureServer({ ...TLS, allowHTTP1: true }) : http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  setup(server as http2.Http2Server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Connects once; `close()` when done. TLS trusts the test certificate. */
export function connect(url: string): http2.ClientHttp2Session {
  const session = http2.connect(url, url.startsWith('https') ? { ca: TLS.cert, rejectUnauthorized: false } : {});
  session.on('error', () => {});
  return session;
}

/** One request on `session` (or a fresh session that is closed after). */
export async function h2request(target: string | http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders = {}, body?: string): Promise<H2Response> {
  const session = typeof target === 'string' ? connect(target) : target;
  try {
    return await new Promise<H2Response>((resolve, reject) => {
      const stream = session.request({ ':path': '/', ...headers });
      let responseHeaders: http2.IncomingHttpHeaders = {};
      let text = '';
      stream.setEncoding('utf8');
      stream.on('response', (h) => (responseHeaders = h));
      stream.on('data', (chunk: string) => (text += chunk));
      stream.on('end', () => resolve({ headers: responseHeaders, body: text }));
      stream.on('error', reject);
      stream.end(body);
    });
  } finally {
    if (typeof target === 'string') session.close();
  }
}
