/**
 * OTLP collectors for an app under load, in three states: up (a receiver in its own process, so
 * decoding the exports costs the load generator nothing), refusing (nothing listens on the port)
 * and hanging (accepts, reads, never answers).
 */
import { fork } from 'node:child_process';
import * as net from 'node:net';
import { join } from 'node:path';
import { killChild, ROOT } from './app-process';

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

/** otlp-receiver.ts in its own process (see receiver-process.ts). */
export async function startReceiverProcess(port = 0): Promise<ReceiverProcess> {
  const child = fork(join(__dirname, 'receiver-process.ts'), [], {
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
    stop: () => killChild(child),
  };
}
