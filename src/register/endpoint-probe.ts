import * as net from 'node:net';
import type { TcpTarget } from './otlp-endpoint';

// Taken once at load: apps and their tests patch net.connect to count their own connections
// (Node's test-http2-client-port-80.js expects exactly 1), and this probe is not theirs.
const connect = net.connect;

/** Answers that mean nothing sent there now could arrive: no one listens, or there is no such host or route. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH']);

/**
 * Opens a TCP connection to `target` and closes it at once. Resolves with the error when the
 * connection is refused or the host cannot be reached, and with undefined when it connects, fails
 * otherwise, or has no answer within `timeoutMs` (a collector that is slow to answer may still
 * take spans). Never rejects; never holds the event loop open.
 */
export function unreachable(target: TcpTarget, timeoutMs: number): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const done = (err?: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(err);
    };
    const timer = setTimeout(() => done(), timeoutMs);
    timer.unref();
    socket.unref();
    socket.once('connect', () => done());
    socket.once('error', (err: NodeJS.ErrnoException) => done(UNREACHABLE.has(String(err.code)) ? err : undefined));
  });
}
