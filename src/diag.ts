import { diag, type DiagLogger } from '@opentelemetry/api';

/** This package's diag logger where no instrumentation's `_diag` is at hand (module-level hooks). */
export const logger: DiagLogger = diag.createComponentLogger({ namespace: '@rid/otel' });

/**
 * Runs user hooks and our own per-request work so that a throw never reaches the app, in the
 * spirit of OTel's `safeExecuteInTheMiddle`; but each kind of failure is reported once per guard,
 * not once per request: a throwing hook would otherwise flood the logs of the very service it is
 * failing in.
 */
export class Guard {
  private readonly seen = new Set<string>();

  /** `log` is read at each report: an instrumentation's `_diag` exists only after its base constructor ran setConfig(). */
  constructor(private readonly log: () => DiagLogger | undefined = () => logger) {}

  /** `fn(a, b)`, or `fallback` when it throws (reported once under `key`). Two arguments, no closure: it runs per request. */
  call<A, B, R>(key: string, message: string, fallback: R, fn: (a: A, b: B) => R, a: A, b: B): R {
    try {
      return fn(a, b);
    } catch (err) {
      this.report(key, message, err);
      return fallback;
    }
  }

  /** `call` with three arguments (no closure per call on a hot path). */
  call3<A, B, C, R>(key: string, message: string, fallback: R, fn: (a: A, b: B, c: C) => R, a: A, b: B, c: C): R {
    try {
      return fn(a, b, c);
    } catch (err) {
      this.report(key, message, err);
      return fallback;
    }
  }

  /** `fn()`, reporting a throw once under `key`. */
  run(key: string, message: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.report(key, message, err);
    }
  }

  /** Logs `message` (with `err`) through diag the first time `key` is reported. */
  report(key: string, message: string, err?: unknown): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    (this.log() ?? logger).error(`${message}${err === undefined ? '' : `: ${errorText(err)}`} (reported once)`);
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.stack ?? err.message;
  try {
    return String(err);
  } catch {
    return 'unprintable error';
  }
}
