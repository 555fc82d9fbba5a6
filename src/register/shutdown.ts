import { subscribe } from 'node:diagnostics_channel';
import type { Server } from 'node:http';
import { isMainThread } from 'node:worker_threads';
import { Http2Servers } from './http2-servers';
import { joinThreads } from './thread-shutdown';
import { HTTP_SERVER_REQUEST_START } from '../internals/channels';

export interface ShutdownOptions {
  /** Flushes what has ended so far; the SDK keeps running. */
  flush(): Promise<void>;
  /** Flushes and stops the SDK. */
  shutdown(): Promise<void>;
  /**
   * True when nothing the exporter holds could be delivered (its collector refuses connections,
   * or its last exports failed): a signal then need not wait for it. Asks for an answer within
   * `timeoutMs`. Absent when there is no exporter to wait for.
   */
  undeliverable?(timeoutMs: number): Promise<boolean>;
  /** How long a signal may delay the exit, at most. */
  timeoutMs: number;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
/** The longest delay a Node timer takes as given. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Nothing lost at exit, nothing held up:
 * - A normal exit (the event loop empties) flushes and stops the SDK.
 * - On SIGTERM or SIGINT with no handler of the app's, the process would die at once and drop the
 *   spans in the batch. Instead the servers stop taking connections, the requests in flight
 *   finish, the spans are flushed, and the process dies of the same signal, all within
 *   `timeoutMs`. Worker threads that run this package do the same, at the same time: only the
 *   main thread gets the signal, and it waits for them.
 * - Spans that cannot be delivered are not waited for: with no request in flight and a collector
 *   that refuses connections (or whose last exports failed), the process dies of the signal at once.
 * - If the app has its own handler, it runs as before and decides when to exit; the spans
 *   ended so far are flushed straight away, in every thread.
 */
export function installShutdownHandlers(options: ShutdownOptions): { shutdown: () => Promise<void> } {
  const servers = new Set<Server>();
  subscribe(HTTP_SERVER_REQUEST_START, (message) => {
    const server = (message as { server: Server }).server;
    if (servers.has(server)) return;
    servers.add(server);
    server.once('close', () => servers.delete(server));
  });
  const http2Servers = new Http2Servers();

  // Node clamps a timer over 2^31-1 ms to 1 ms: an over-long timeout would end the wait at once.
  const timeoutMs = Math.min(Math.max(0, options.timeoutMs), MAX_TIMER_MS);
  let stopping: Promise<void> | undefined;
  /** Whether the SDK's shutdown (its last export included) has completed, not merely been waited for. */
  let stopped = false;
  const shutdown = (): Promise<void> =>
    (stopping ??= withDeadline(
      options.shutdown().then(() => {
        stopped = true;
      }),
      timeoutMs,
    ));

  let stoppingThread: Promise<void> | undefined;
  const stopThread = (timeoutMs: number): Promise<void> =>
    (stoppingThread ??= (async () => {
      const deadline = Date.now() + timeoutMs;
      const left = (): number => Math.max(0, deadline - Date.now());
      await drain(servers, http2Servers, timeoutMs);
      // With nothing in flight any more, wait for the exporter only if what it holds can arrive.
      const flushing = shutdown();
      const hopeless = options.undeliverable?.(left()).then((yes) => (yes ? undefined : never()), never) ?? never();
      await withDeadline(Promise.race([flushing, hopeless]), left());
    })());
  const flush = (timeoutMs: number): Promise<void> => withDeadline(options.flush(), timeoutMs);
  const workers = joinThreads({ stop: stopThread, flush });
  if (!isMainThread) {
    process.once('beforeExit', () => void shutdown());
    return { shutdown };
  }
  // Prepended: its snapshot of what the loop holds is taken before any listener of the app's runs.
  process.prependOnceListener('beforeExit', () => exitAfter(() => Promise.all([stopThread(timeoutMs), workers.stop(timeoutMs)]), () => stopped, timeoutMs));

  for (const signal of SIGNALS) {
    const onSignal = (): void => {
      const appHandlers = process.listenerCount(signal) - 1;
      if (appHandlers > 0) {
        void flush(timeoutMs);
        workers.flush(timeoutMs);
        return;
      }
      process.removeListener(signal, onSignal);
      let died = false;
      const die = (): void => {
        if (died) return;
        died = true;
        clearTimeout(deadline);
        process.kill(process.pid, signal);
      };
      // Kept referenced: until the process dies of the signal, nothing else may end it.
      const deadline = setTimeout(die, timeoutMs);
      void Promise.all([stopThread(timeoutMs), workers.stop(timeoutMs)]).finally(die);
    };
    process.on(signal, onSignal);
  }
  return { shutdown };
}

/**
 * A normal exit (the event loop emptied): the flush's network I/O keeps the process alive, so Node
 * would emit `beforeExit` a second time when it ends, and the app's own listeners would run twice.
 * So:
 * - the flush delivered: when the app's `beforeExit` listeners started no work (the loop held
 *   nothing new right after they ran, beside the flush's own), the process exits at once, as it
 *   would have without us; otherwise the app's work goes on, and Node emits `beforeExit` again
 *   when it ends, as it would have. Seen when the listeners ran, not when the flush ends: work
 *   that ended before a slow flush did still makes Node emit `beforeExit` again without us;
 * - the flush could not deliver (a collector that refuses, whose retries would hold the exit for
 *   ~8 s, or one that never answers): the process exits as soon as that is known, within
 *   `timeoutMs`, as the signal path does. Work the app's own `beforeExit` listener started then
 *   ends with it.
 */
function exitAfter(stop: () => Promise<unknown>, delivered: () => boolean, timeoutMs: number): void {
  const stopping = stop();
  // Referenced: the bound holds even while the exporter's socket keeps the loop alive.
  const deadline = setTimeout(() => process.exit(), timeoutMs);
  // What the loop holds once the flush has started: ours. Whatever is new after the app's
  // listeners (which run after this prepended one, before the next tick) is the app's.
  const ours = process.getActiveResourcesInfo();
  let appWork = false;
  process.nextTick(() => {
    appWork = !nothingNew(ours, process.getActiveResourcesInfo());
  });
  void stopping.finally(() => {
    clearTimeout(deadline);
    if (!delivered() || !appWork) process.exit();
  });
}

/** Whether `now` holds no resource beyond those in `before` (counted: two sockets are two). */
function nothingNew(before: string[], now: string[]): boolean {
  const left = new Map<string, number>();
  for (const r of before) left.set(r, (left.get(r) ?? 0) + 1);
  for (const r of now) {
    const n = left.get(r) ?? 0;
    if (n === 0) return false;
    left.set(r, n - 1);
  }
  return true;
}

/** Stops accepting connections and waits for the requests in flight, up to `timeoutMs`. */
function drain(servers: Set<Server>, http2Servers: Http2Servers, timeoutMs: number): Promise<void> {
  const closing = [...servers].map(
    (server) =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A keep-alive connection turns idle when its last request ends; close it then.
        const sweep = setInterval(() => server.closeIdleConnections?.(), 20);
        sweep.unref();
        server.once('close', () => clearInterval(sweep));
      }),
  );
  return withDeadline(Promise.all([...closing, ...http2Servers.close()]).then(() => undefined), timeoutMs);
}

/** Resolves when `work` settles or after `ms`, whichever is first; never rejects, never holds the loop open. */
function withDeadline(work: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    work.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}

/** A promise that never settles: a race entrant that never wins. */
function never(): Promise<never> {
  return new Promise<never>(() => undefined);
}
