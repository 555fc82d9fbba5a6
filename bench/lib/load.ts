/**
 * A small keep-alive HTTP/1.1 load generator on raw sockets: `concurrency` connections to
 * 127.0.0.1, each sending the next GET as soon as the previous response is complete (no
 * pipelining), until `requests` responses have arrived. Bounded in count and in time.
 *
 * Raw sockets keep the load generator's own CPU low and constant; its CPU is never part of the
 * measure (the servers read their own process.cpuUsage()), but on a 2-core machine it competes.
 */
import { connect, type Socket } from 'node:net';

export interface LoadOptions {
  port: number;
  requests: number;
  concurrency: number;
  /** Abort (reject) if the run takes longer than this. */
  timeoutMs: number;
  /** Extra request headers, e.g. { 'X-Request-Id': 'abc' }. */
  headers?: Record<string, string>;
  path?: string;
  /** Record the raw head of the first response (for sanity checks). */
  keepFirstHead?: boolean;
}

export interface LoadResult {
  requests: number;
  wallMs: number;
  /** Latency of every request, in microseconds, from write to the end of its response. */
  latenciesUs: Float64Array;
  non2xx: number;
  firstHead?: string;
}

const HEAD_END = '\r\n\r\n';

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { port, requests, concurrency, timeoutMs } = options;
  let head = `GET ${options.path ?? '/'} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n`;
  for (const [k, v] of Object.entries(options.headers ?? {})) head += `${k}: ${v}\r\n`;
  const requestBytes = Buffer.from(head + '\r\n', 'latin1');
  const latencies = new Float64Array(requests);

  return new Promise((resolve, reject) => {
    let sent = 0;
    let done = 0;
    let non2xx = 0;
    let firstHead: string | undefined;
    let finished = false;
    const sockets: Socket[] = [];
    const t0 = process.hrtime.bigint();

    const finish = (err?: Error): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      for (const s of sockets) s.destroy();
      if (err) return reject(err);
      resolve({
        requests: done,
        wallMs: Number(process.hrtime.bigint() - t0) / 1e6,
        latenciesUs: latencies,
        non2xx,
        firstHead,
      });
    };
    const timer = setTimeout(() => finish(new Error(`load: ${done}/${requests} responses after ${timeoutMs} ms`)), timeoutMs);

    const open = (): void => {
      const socket = connect({ port, host: '127.0.0.1', noDelay: true });
      sockets.push(socket);
      let buffer = '';
      let startedAt = 0n;
      let slot = -1;
      const next = (): void => {
        if (sent >= requests) {
          socket.end();
          return;
        }
        slot = sent++;
        startedAt = process.hrtime.bigint();
        socket.write(requestBytes);
      };
      socket.setEncoding('latin1');
      socket.on('connect', next);
      socket.on('data', (chunk: string) => {
        buffer += chunk;
        for (;;) {
          const end = buffer.indexOf(HEAD_END);
          if (end === -1) return;
          const length = contentLength(buffer, end);
          if (length < 0) return finish(new Error(`load: response without Content-Length: ${JSON.stringify(buffer.slice(0, end))}`));
          const total = end + HEAD_END.length + length;
          if (buffer.length < total) return;
          const status = buffer.charCodeAt(9);
          if (status !== 0x32 /* 2xx */) non2xx++;
          if (options.keepFirstHead && firstHead === undefined) firstHead = buffer.slice(0, end);
          buffer = buffer.slice(total);
          latencies[slot] = Number(process.hrtime.bigint() - startedAt) / 1e3;
          if (++done === requests) return finish();
          next();
        }
      });
      socket.on('error', (err) => finish(err));
      socket.on('close', () => {
        if (!finished && sent < requests) finish(new Error('load: the server closed a connection early'));
      });
    };
    for (let i = 0; i < Math.min(concurrency, requests); i++) open();
  });
}

function contentLength(buffer: string, headEnd: number): number {
  // Node writes "Content-Length"; anything else is looked up case-insensitively (slow path).
  let at = buffer.indexOf('\r\nContent-Length:');
  if (at === -1 || at > headEnd) {
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(buffer.slice(0, headEnd + 2));
    return m === null ? -1 : Number(m[1]);
  }
  at += 17;
  let n = 0;
  for (let c = buffer.charCodeAt(at); at < headEnd; c = buffer.charCodeAt(++at)) {
    if (c === 0x20) continue;
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + (c - 0x30);
  }
  return n;
}
