/**
 * An HTTP/2 (h2c) load generator: `sessions` sessions to 127.0.0.1 opened once and kept, each
 * with `streams` GET streams in flight (a new one starts as soon as one closes), for a fixed
 * duration or a fixed number of streams. autocannon and lib/load.ts speak HTTP/1.1 only.
 *
 * Its CPU is never part of the measure (the servers read their own process.cpuUsage()).
 */
import * as http2 from 'node:http2';
import { endRun } from './load';

export interface H2LoadResult {
  /** Streams answered (closed after their response) in the run. */
  requests: number;
  wallMs: number;
  /** Latency of every stream, in microseconds, from request() to close. */
  latenciesUs: Float64Array;
  non2xx: number;
  /** Streams that failed (error, RST_STREAM, no response). */
  errors: number;
  /** The headers of the first response of the run, when asked for. */
  firstHeaders?: http2.IncomingHttpHeaders;
}

export interface H2RunOptions {
  /** Stop starting streams after this long (in-flight ones are awaited). */
  durationMs?: number;
  /** Or: stop after this many streams. */
  requests?: number;
  /** Reject if the run takes longer than this. */
  timeoutMs: number;
  keepFirstHeaders?: boolean;
  /** The extra headers of stream i of the run (default: the client's headers). */
  headersFor?: (i: number) => http2.OutgoingHttpHeaders | undefined;
}

interface Run {
  options: H2RunOptions;
  stopAt: number;
  started: number;
  done: number;
  inFlight: number;
  non2xx: number;
  errors: number;
  latencies: number[];
  firstHeaders?: http2.IncomingHttpHeaders;
  t0: bigint;
  timer: NodeJS.Timeout;
  resolve: (r: H2LoadResult) => void;
  reject: (e: Error) => void;
}

export class H2LoadClient {
  private readonly sessions: http2.ClientHttp2Session[] = [];
  private active: Run | undefined;

  constructor(
    private readonly port: number,
    private readonly sessionCount: number,
    private readonly streamsPerSession: number,
    private readonly headers: http2.OutgoingHttpHeaders = {},
  ) {}

  private open(): http2.ClientHttp2Session {
    const session = http2.connect(`http://127.0.0.1:${this.port}`, { settings: { enablePush: false } });
    session.on('error', (err) => this.finish(err));
    session.on('close', () => {
      const i = this.sessions.indexOf(session);
      if (i !== -1) this.sessions.splice(i, 1);
      if (this.active !== undefined && this.active.inFlight > 0) this.finish(new Error('h2 load: a session closed during a run'));
    });
    return session;
  }

  run(options: H2RunOptions): Promise<H2LoadResult> {
    if (this.active !== undefined) return Promise.reject(new Error('h2 load: a run is already in progress'));
    if (options.durationMs === undefined && options.requests === undefined) return Promise.reject(new Error('h2 load: durationMs or requests'));
    while (this.sessions.length < this.sessionCount) this.sessions.push(this.open());
    return new Promise((resolve, reject) => {
      const run: Run = {
        options,
        stopAt: options.durationMs === undefined ? Infinity : Date.now() + options.durationMs,
        started: 0,
        done: 0,
        inFlight: 0,
        non2xx: 0,
        errors: 0,
        latencies: [],
        t0: process.hrtime.bigint(),
        timer: setTimeout(() => this.finish(new Error(`h2 load: ${run.done} streams after ${options.timeoutMs} ms, ${run.inFlight} in flight`)), options.timeoutMs),
        resolve,
        reject,
      };
      this.active = run;
      for (const session of this.sessions) for (let k = 0; k < this.streamsPerSession; k++) this.next(session, run);
    });
  }

  private more(run: Run): boolean {
    if (run.options.requests !== undefined && run.started >= run.options.requests) return false;
    return Date.now() < run.stopAt;
  }

  private next(session: http2.ClientHttp2Session, run: Run): void {
    if (this.active !== run || !this.more(run)) {
      if (run.inFlight === 0) this.finish();
      return;
    }
    const i = run.started++;
    run.inFlight++;
    const t0 = process.hrtime.bigint();
    let status = 0;
    const req = session.request({ ':path': '/', ...this.headers, ...run.options.headersFor?.(i) });
    req.on('response', (headers) => {
      status = Number(headers[':status']);
      if (run.options.keepFirstHeaders && run.firstHeaders === undefined) run.firstHeaders = headers;
    });
    req.on('error', () => {});
    req.resume();
    req.on('close', () => {
      run.inFlight--;
      if (status === 0 || (req.rstCode !== undefined && req.rstCode !== http2.constants.NGHTTP2_NO_ERROR)) run.errors++;
      else if (status < 200 || status > 299) run.non2xx++;
      run.done++;
      run.latencies.push(Number(process.hrtime.bigint() - t0) / 1e3);
      this.next(session, run);
    });
  }

  private finish(err?: Error): void {
    const run = this.active;
    this.active = undefined;
    endRun<Run, H2LoadResult>(run, err, () => this.close(), (r) => ({ latenciesUs: Float64Array.from(r.latencies), non2xx: r.non2xx, errors: r.errors, firstHeaders: r.firstHeaders }));
  }

  close(): void {
    for (const session of this.sessions.splice(0)) session.destroy();
  }
}
