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
  /** Checks every response: a string describes a failure, kept in `failures`. */
  check?: ResponseCheck;
}

/** A response's head (status line and headers, without the final CRLFs) and body, as latin1: a failure's description, or undefined. */
export type ResponseCheck = (head: string, body: string) => string | undefined;

export interface LoadResult {
  requests: number;
  wallMs: number;
  /** Latency of every request, in microseconds, from write to the end of its response. */
  latenciesUs: Float64Array;
  non2xx: number;
  firstHead?: string;
  /** What `check` said of the responses that failed it. */
  failures: string[];
}

const HEAD_END = '\r\n\r\n';

/**
 * One request at a time on each of its connections, kept open across runs: the benchmark rounds
 * measure requests, not connection set-up (accept, a new parser and socket resources per
 * connection would otherwise be part of every round's share).
 */
export class KeepAliveClient {
  private readonly connections: Connection[] = [];
  private readonly requestBytes: Buffer;
  /** The run in progress, if any. */
  private active: Run | undefined;

  constructor(
    private readonly port: number,
    private readonly concurrency: number,
    headers?: Record<string, string>,
    path = '/',
  ) {
    let head = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n`;
    for (const [k, v] of Object.entries(headers ?? {})) head += `${k}: ${v}\r\n`;
    this.requestBytes = Buffer.from(head + '\r\n', 'latin1');
  }

  /** Sends `requests` requests over the kept connections (opening the missing ones) and resolves when all are answered. */
  run(options: { requests: number; timeoutMs: number; keepFirstHead?: boolean; check?: ResponseCheck }): Promise<LoadResult> {
    if (this.active !== undefined) return Promise.reject(new Error('load: a run is already in progress'));
    const { requests, timeoutMs } = options;
    return new Promise((resolve, reject) => {
      const run: Run = {
        requests,
        sent: 0,
        done: 0,
        non2xx: 0,
        keepFirstHead: options.keepFirstHead === true,
        firstHead: undefined,
        check: options.check,
        failures: [],
        latencies: new Float64Array(requests),
        t0: process.hrtime.bigint(),
        timer: setTimeout(() => this.finish(new Error(`load: ${run.done}/${requests} responses after ${timeoutMs} ms`)), timeoutMs),
        resolve,
        reject,
      };
      this.active = run;
      for (let i = this.connections.length - 1; i >= 0; i--) if (this.connections[i].closed) this.connections.splice(i, 1);
      while (this.connections.length < Math.min(this.concurrency, requests)) this.connections.push(this.open());
      for (const c of this.connections) if (!this.sendNext(c)) break;
    });
  }

  close(): void {
    for (const c of this.connections) c.socket.destroy();
    this.connections.length = 0;
  }

  private open(): Connection {
    const socket = connect({ port: this.port, host: '127.0.0.1', noDelay: true });
    const c: Connection = { socket, buffer: '', slot: -1, startedAt: 0n, closed: false };
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.onData(c, chunk));
    socket.on('error', (err) => this.finish(err));
    socket.on('close', () => {
      c.closed = true;
      if (c.slot !== -1) this.finish(new Error('load: the server closed a connection early'));
    });
    return c;
  }

  /** Sends the run's next request on `c` (a write before 'connect' is queued by net); false when none is left. */
  private sendNext(c: Connection): boolean {
    const run = this.active;
    if (run === undefined || run.sent >= run.requests) return false;
    c.slot = run.sent++;
    c.startedAt = process.hrtime.bigint();
    c.socket.write(this.requestBytes);
    return true;
  }

  private onData(c: Connection, chunk: string): void {
    c.buffer += chunk;
    for (;;) {
      const run = this.active;
      const end = c.buffer.indexOf(HEAD_END);
      if (end === -1 || run === undefined) return;
      const length = contentLength(c.buffer, end);
      if (length < 0) return this.finish(new Error(`load: response without Content-Length: ${JSON.stringify(c.buffer.slice(0, end))}`));
      const total = end + HEAD_END.length + length;
      if (c.buffer.length < total) return;
      if (c.buffer.charCodeAt(9) !== 0x32 /* 2xx */) run.non2xx++;
      if (run.keepFirstHead && run.firstHead === undefined) run.firstHead = c.buffer.slice(0, end);
      if (run.check !== undefined) {
        const failure = run.check(c.buffer.slice(0, end), c.buffer.slice(end + HEAD_END.length, total));
        if (failure !== undefined) run.failures.push(failure);
      }
      c.buffer = c.buffer.slice(total);
      run.latencies[c.slot] = Number(process.hrtime.bigint() - c.startedAt) / 1e3;
      c.slot = -1;
      if (++run.done === run.requests) return this.finish();
      this.sendNext(c);
    }
  }

  private finish(err?: Error): void {
    const run = this.active;
    this.active = undefined;
    endRun<Run, LoadResult>(run, err, () => this.close(), (r) => ({ latenciesUs: r.latencies, non2xx: r.non2xx, firstHead: r.firstHead, failures: r.failures }));
  }
}

interface Connection {
  socket: Socket;
  buffer: string;
  /** The run's index of the request in flight on this connection, -1 when idle. */
  slot: number;
  startedAt: bigint;
  closed: boolean;
}

interface Run {
  requests: number;
  sent: number;
  done: number;
  non2xx: number;
  keepFirstHead: boolean;
  firstHead: string | undefined;
  check: ResponseCheck | undefined;
  failures: string[];
  latencies: Float64Array;
  t0: bigint;
  timer: NodeJS.Timeout;
  resolve: (result: LoadResult) => void;
  reject: (err: Error) => void;
}

/** What every load client's run has. */
interface RunBase<T> {
  done: number;
  t0: bigint;
  timer: NodeJS.Timeout;
  resolve: (result: T) => void;
  reject: (e: Error) => void;
}

/**
 * Ends a load client's run (`run`, already taken off the client): clears its timer, then on `err`
 * closes the client and rejects the run, else resolves it with its count, its wall time and `rest`.
 */
export function endRun<R extends RunBase<T>, T extends { requests: number; wallMs: number }>(
  run: R | undefined,
  err: Error | undefined,
  close: () => void,
  rest: (run: R) => Omit<T, 'requests' | 'wallMs'>,
): void {
  if (run === undefined) return;
  clearTimeout(run.timer);
  if (err !== undefined) {
    close();
    run.reject(err);
    return;
  }
  run.resolve({ requests: run.done, wallMs: Number(process.hrtime.bigint() - run.t0) / 1e6, ...rest(run) } as T);
}

/** One run on fresh connections, closed at the end. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const client = new KeepAliveClient(options.port, options.concurrency, options.headers, options.path);
  try {
    return await client.run(options);
  } finally {
    client.close();
  }
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
