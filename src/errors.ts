/**
 * Thrown at construction for a bad configuration. The message always names the option, the
 * value it was given and the values it accepts, so a misconfigured service fails at start-up
 * with an actionable line instead of misbehaving per request.
 */
export class RequestIdConfigError extends TypeError {
  readonly option: string;
  readonly value: unknown;
  readonly expected: string;

  constructor(option: string, value: unknown, expected: string) {
    super(`@rid/otel: invalid option \`${option}\`: got ${describe(value)}; expected ${expected}`);
    this.name = 'RequestIdConfigError';
    this.option = option;
    this.value = value;
    this.expected = expected;
  }

  /** The same error for an option nested under `prefix` (e.g. `rules[0].`). */
  prefixed(prefix: string): RequestIdConfigError {
    return new RequestIdConfigError(prefix + this.option, this.value, this.expected);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? value.slice(0, 80) + '…' : value);
  if (typeof value === 'function') return 'a function';
  if (value instanceof RegExp) return String(value);
  if (value === null || typeof value !== 'object') return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
