import { BroadcastChannel, isMainThread, threadId, type Worker } from 'node:worker_threads';

/** What one thread does when the process is told to stop. */
export interface ThreadStopping {
  /** Drains the thread's servers, then flushes and stops its SDK, within `timeoutMs`. */
  stop(timeoutMs: number): Promise<void>;
  /** Flushes what has ended so far; the SDK keeps running. */
  flush(timeoutMs: number): Promise<void>;
}

/** The main thread's hold on the process's other threads that run this package. */
export interface WorkerThreads {
  /** Has every one of them stop; resolves when all have answered or ended, or after `timeoutMs`. */
  stop(timeoutMs: number): Promise<void>;
  /** Has every one of them flush; does not wait. */
  flush(timeoutMs: number): void;
}

type Message =
  | { kind: 'up'; threadId: number }
  | { kind: 'gone'; threadId: number }
  | { kind: 'stop'; timeoutMs: number }
  | { kind: 'stopped'; threadId: number }
  | { kind: 'flush'; timeoutMs: number };

const CHANNEL = '@rid/otel:shutdown';

/**
 * A worker thread inherits `--require @rid/otel/register` and starts an SDK of its own, but only
 * the main thread gets signals. One BroadcastChannel, unref'd so that it never keeps a thread
 * alive, joins the threads: each worker thread says it is up, the main thread passes a signal's
 * stop (or flush) to all of them at once and waits for each to answer or to end. The parent of
 * a thread says when it ended, as a terminated thread cannot.
 */
export function joinThreads(thisThread: ThreadStopping): WorkerThreads {
  const channel = new BroadcastChannel(CHANNEL);
  channel.unref();
  const post = (message: Message): void => channel.postMessage(message);
  const live = new Set<number>();
  let waiting: { pending: Set<number>; deadline: number; done: () => void } | undefined;

  const ended = (id: number): void => {
    live.delete(id);
    if (waiting === undefined) return;
    waiting.pending.delete(id);
    if (waiting.pending.size === 0) waiting.done();
  };
  process.on('worker', (worker: Worker) => {
    const id = worker.threadId;
    worker.once('exit', () => (isMainThread ? ended(id) : post({ kind: 'gone', threadId: id })));
  });

  if (!isMainThread) {
    channel.onmessage = (event) => {
      const message = (event as MessageEvent).data as Message;
      // A worker thread's stderr reaches the process's through the main thread: answer once what
      // the stop wrote there is on its way, or the process may die before it is written.
      if (message.kind === 'stop') void thisThread.stop(message.timeoutMs).finally(() => process.stderr.write('', () => post({ kind: 'stopped', threadId })));
      else if (message.kind === 'flush') void thisThread.flush(message.timeoutMs);
    };
    post({ kind: 'up', threadId });
    return { stop: () => Promise.resolve(), flush: () => undefined };
  }

  channel.onmessage = (event) => {
    const message = (event as MessageEvent).data as Message;
    if (message.kind === 'up') {
      live.add(message.threadId);
      // Up after the stop was sent: it missed it.
      if (waiting !== undefined) {
        waiting.pending.add(message.threadId);
        post({ kind: 'stop', timeoutMs: Math.max(0, waiting.deadline - Date.now()) });
      }
    } else if (message.kind === 'gone' || message.kind === 'stopped') ended(message.threadId);
  };
  return {
    stop: (timeoutMs) =>
      new Promise((resolve) => {
        if (live.size === 0) return resolve();
        const timer = setTimeout(() => waiting?.done(), timeoutMs);
        timer.unref();
        waiting = {
          pending: new Set(live),
          deadline: Date.now() + timeoutMs,
          done: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        post({ kind: 'stop', timeoutMs });
      }),
    flush: (timeoutMs) => {
      if (live.size > 0) post({ kind: 'flush', timeoutMs });
    },
  };
}
