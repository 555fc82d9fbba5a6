import { subscribe, unsubscribe } from 'node:diagnostics_channel';

/**
 * The one pattern for hook lists. A registry is a record of lists, each a readonly array replaced
 * on every change: a run (per request, per stream) iterates a plain array, with no iterator to
 * allocate as a Set's has, and a hook added or removed during a run does not disturb it. The record
 * lives in its module (one per copy of the package: each copy patches on its own) or in a
 * cross-copy slot (`sharedSlot`, one per process: the patch is made once), and may hold the patch's
 * own state beside the lists (internals/node-http2.ts). A shared record keeps its shape: plain
 * arrays, which released copies read.
 */
export class HookRegistry<R extends object> {
  constructor(readonly lists: R) {}

  /** Adds `hook` to list `name`, once (a hook already there stays where it is); returns the list's new length. */
  add<K extends ListNames<R>>(name: K, hook: HookOf<R, K>): number {
    const list = this.lists[name] as readonly HookOf<R, K>[];
    if (list.includes(hook)) return list.length;
    const next = [...list, hook];
    this.lists[name] = next as R[K];
    return next.length;
  }

  /** Removes `hook` from list `name`; returns the list's new length. */
  remove<K extends ListNames<R>>(name: K, hook: HookOf<R, K>): number {
    const list = this.lists[name] as readonly HookOf<R, K>[];
    if (!list.includes(hook)) return list.length;
    const next = list.filter((h) => h !== hook);
    this.lists[name] = next as R[K];
    return next.length;
  }
}

/** The names of a record's list fields. */
type ListNames<R> = { [K in keyof R]-?: R[K] extends readonly unknown[] ? K : never }[keyof R];
type HookOf<R, K extends keyof R> = R[K] extends readonly (infer H)[] ? H : never;

/**
 * One thing that enable() attaches and disable() detaches. Each owner (the instrumentation, the
 * response capture) keeps one list of them, so that what is undone is exactly what was done.
 */
export type Attachment = readonly [attach: () => void, detach: () => void];

/** `hook` added with `add` and removed with `remove` (a module's own functions, which may patch on the first add). */
export function hookAttachment<H>(add: (hook: H) => unknown, remove: (hook: H) => unknown, hook: H): Attachment {
  return [() => void add(hook), () => void remove(hook)];
}

/** A subscriber of a Node diagnostics channel. */
export function channelAttachment(channel: string, subscriber: (message: unknown, name: string | symbol) => void): Attachment {
  return [() => subscribe(channel, subscriber), () => void unsubscribe(channel, subscriber)];
}

export function attachAll(attachments: readonly Attachment[]): void {
  for (const [attach] of attachments) attach();
}

export function detachAll(attachments: readonly Attachment[]): void {
  for (const [, detach] of attachments) detach();
}
