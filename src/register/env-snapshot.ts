/** The variables whose names start with `prefix`, as they are now. */
export type EnvSnapshot = ReadonlyMap<string, string>;

export function envSnapshot(prefix: string, env: NodeJS.ProcessEnv = process.env): EnvSnapshot {
  const taken = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) if (name.startsWith(prefix) && value !== undefined) taken.set(name, value);
  return taken;
}

/**
 * `fn()` with `process.env`'s `prefix` variables as they were in `snapshot`, then as they are
 * again: for code that reads `process.env` itself (an OTLP exporter made later than start-up) and
 * must read what the process started with, whatever the app has set since (a `.env` loader).
 * Synchronous, so nothing else runs in between.
 */
export function withEnvAsIn<T>(snapshot: EnvSnapshot, prefix: string, fn: () => T): T {
  const now = envSnapshot(prefix);
  if (sameEntries(now, snapshot)) return fn();
  set(snapshot, prefix);
  try {
    return fn();
  } finally {
    set(now, prefix);
  }
}

function set(values: EnvSnapshot, prefix: string): void {
  for (const name of Object.keys(process.env)) if (name.startsWith(prefix) && !values.has(name)) delete process.env[name];
  for (const [name, value] of values) process.env[name] = value;
}

function sameEntries(a: EnvSnapshot, b: EnvSnapshot): boolean {
  if (a.size !== b.size) return false;
  for (const [name, value] of a) if (b.get(name) !== value) return false;
  return true;
}
