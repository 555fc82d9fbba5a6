/**
 * Load-generation helpers for the child-process hardening tests and bench/exporter-faults.ts:
 * the load app under `--require @rid/otel/register`, keep-alive request rounds with per-request
 * latency, percentiles, a collector that refuses or hangs, and a receiver in its own process.
 */
import { fork } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import { join } from 'node:path';
import { ROOT, startApp, type ChildApp } from '../support/child-app';
import { untraced } from './raw-http';

export const LOAD_APP = join(__dirname, 'fixtures', 'load-app.js');

/** The load app, as a user would run it: `node --expose-gc --require @rid/otel/register load-app.js`. */
export function startLoadApp(env: Record<string, string>): Promise<ChildApp> {
  return startApp(['--expose-gc', '--require', '@rid/otel/register'], LOAD_APP, env);
}

export interface AppStats {
  served: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  cpuMicros: number;
}

export interface Answer {
  status: number;
  id: string | undefined;
  body: string;
  ms: number;
}

/** One GET; resolves with the status, the echoed ID, the body and the latency in milliseconds. */
export function timedGet(url: string, agent: http.Agent | false): Promise<Answer> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    untraced(() => http.get(url, { agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, id: res.headers['x-request-id'] as string | undefined, body, ms: Number(process.hrtime.bigint() - t0) / 1e6 }),
        );
      })).on('error', reject);
  });
}

export async function appStats(app: ChildApp, gc = false): Promise<AppStats> {
  return JSON.parse((await timedGet(`${app.url}/${gc ? '__gc' : '__stats'}`, false)).body);
}

export interface RoundResult {
  latencies: number[];
  /** Requests that did not come back as 200 with the echoed ID equal to getRequestId() in the app. */
  failures: string[];
}

/** `count` requests to `url`, `concurrency` at a time on `agent`. */
export async function round(url: string, count: number, concurrency: number, agent: http.Agent): Promise<RoundResult> {
  const latencies: number[] = [];
  const failures: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        try {
          const a = await timedGet(url, agent);
          latencies.push(a.ms);
          if (a.status !== 200 || a.id === undefined || JSON.parse(a.body).seen !== a.id) failures.push(`${a.status} ${a.id} ${a.body}`);
        } catch (err) {
          failures.push(String(err));
        }
      }
    }),
  );
  return { latencies, failures };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** A port nothing listens on (connections to it are refused), free to listen on later. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A collector that accepts connections, reads what is sent and never answers. */
export async function startHangingCollector(): Promise<{ port: number; url: string; connections: () => number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    connections: () => accepted,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface ReceiverCounts {
  spans: number;
  serverSpans: number;
  withRequestId: number;
  exports: number;
  /** SERVER spans by path, numbers folded to N. */
  paths: Record<string, number>;
}

export interface ReceiverProcess {
  port: number;
  url: string;
  counts(): Promise<ReceiverCounts>;
  /** Waits until `predicate` holds for the counts, up to `timeoutMs`; returns the last counts. */
  waitFor(predicate: (c: ReceiverCounts) => boolean, timeoutMs?: number): Promise<ReceiverCounts>;
  stop(): Promise<void>;
}

/** test/support/otlp-receiver.ts in its own process (see fixtures/receiver-process.ts). */
export async function startReceiverProcess(port = 0): Promise<ReceiverProcess> {
  const child = fork(join(__dirname, 'fixtures', 'receiver-process.ts'), [], {
    cwd: ROOT,
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const actual = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the receiver process exited early (${code})`)));
    child.once('message', (m) => resolve((m as { listening: number }).listening));
  });
  const counts = (): Promise<ReceiverCounts> =>
    new Promise((resolve) => {
      child.once('message', (m) => resolve(m as ReceiverCounts));
      child.send('count');
    });
  return {
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    counts,
    async waitFor(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const c = await counts();
        if (predicate(c) || Date.now() > deadline) return c;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
