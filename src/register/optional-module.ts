/**
 * The packages `@rid/otel` lists as optional peer dependencies (`@opentelemetry/sdk-node`,
 * `@opentelemetry/instrumentation-undici`): resolved from the app's install when it has them.
 * They are peers, not dependencies, because each pins or ranges `@opentelemetry/*` versions of its
 * own, and a second copy of those beside the app's is what npm would install (docs/dependencies.md).
 */
export function loadOptional<T>(name: string): T | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(name) as T;
  } catch (err) {
    // Only "this package is not installed" is the optional case; a package that is there but
    // fails to load is a real failure and is reported as such.
    if (isNotFound(err, name)) return undefined;
    throw err;
  }
}

function isNotFound(err: unknown, name: string): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e?.code === 'MODULE_NOT_FOUND' && typeof e.message === 'string' && e.message.includes(`'${name}'`);
}
