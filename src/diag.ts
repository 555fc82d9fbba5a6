import { diag, type DiagLogger } from '@opentelemetry/api';

export const logger: DiagLogger = diag.createComponentLogger({ namespace: '@rid/otel' });

/**
 * Reports each kind of failure once per owner, not once per request: a throwing user hook would
 * otherwise flood the logs of the very service it is failing in.
 */
export class OnceReporter {
  private readonly seen = new Set<string>();

  error(key: string, message: string, err?: unknown): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    logger.error(`${message}${err === undefined ? '' : `: ${errorText(err)}`} (reported once)`);
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
