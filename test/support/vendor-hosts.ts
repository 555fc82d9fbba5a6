/**
 * Vendors played by local servers, reached under their real host names: every name resolves to
 * 127.0.0.1, through `http.request`'s `lookup` option (or an http.Agent's) and through an undici
 * Agent's `connect.lookup` for fetch, so that the capture's host matching sees `api.openai.com`
 * while nothing leaves the machine.
 */
import * as http from 'node:http';
import type { LookupFunction } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';

/** Resolves every host name to 127.0.0.1. */
export const toLoopback: LookupFunction = (_hostname, options, callback) => {
  if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

/** An http.Agent whose connections all go to 127.0.0.1, whatever the host (for SDKs that take an agent). */
export function loopbackAgent(): http.Agent {
  return new http.Agent({ lookup: toLoopback } as http.AgentOptions);
}

/** An undici dispatcher whose connections all go to 127.0.0.1 (fetch's `dispatcher`). */
export function loopbackDispatcher(): Agent {
  return new Agent({ connect: { lookup: toLoopback } });
}

/**
 * A `fetch` for the vendor SDKs (their `fetch` option): npm undici's own fetch with a loopback
 * dispatcher. The SDKs' calls through Node's global fetch with npm undici's Agent fail on Node 26,
 * whose bundled undici hands the dispatcher a handler of the newer API ("invalid onError method").
 * It publishes the same diagnostics channels, so the capture sees these calls as global fetch's.
 */
export function loopbackFetch(dispatcher: Agent): typeof globalThis.fetch {
  return ((input: unknown, init?: Record<string, unknown>) => undiciFetch(input as never, { ...init, dispatcher } as never)) as unknown as typeof globalThis.fetch;
}

export interface VendorResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** `GET http://<host>:<port><path>` over node:http, connecting to 127.0.0.1. */
export function getFrom(host: string, port: number, path = '/', headers: http.OutgoingHttpHeaders = {}): Promise<VendorResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, path, headers, lookup: toLoopback, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
