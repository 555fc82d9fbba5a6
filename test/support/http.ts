import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestServer {
  server: http.Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A real server on 127.0.0.1, on a port the OS picks. */
export async function startServer(handler: http.RequestListener): Promise<TestServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface TestResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

/**
 * A request with exactly the headers given. An array value sends the header once per entry;
 * an empty string sends `Name:` with no value (curl's `-H 'Name;'`).
 */
export function get(url: string, headers: Record<string, string | string[]> = {}, method = 'GET'): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** How many times a header appears in a response. */
export function headerCount(res: TestResponse, name: string): number {
  let n = 0;
  for (let i = 0; i < res.rawHeaders.length; i += 2) if (res.rawHeaders[i].toLowerCase() === name.toLowerCase()) n++;
  return n;
}
