/** The apps of test/fixtures/apps in child processes (bench/lib/app-process.ts, with that folder as their home). */
import { join } from 'node:path';
import { ensureBuilt as ensureBuiltIn, ROOT, startApp as startIn, type ChildApp } from '../../bench/lib/app-process';

export { cleanEnv, ROOT, type ChildApp } from '../../bench/lib/app-process';
export const APPS = join(ROOT, 'test', 'fixtures', 'apps');

/** The build is fresh and test/fixtures/apps resolves `@rid/otel` to this repository. */
export function ensureBuilt(): void {
  ensureBuiltIn(APPS);
}

/** `node <nodeArgs> <script>` in test/fixtures/apps (or `options.cwd`, a folder below it); see bench/lib/app-process.ts. */
export function startApp(
  nodeArgs: string[],
  script: string,
  env: Record<string, string>,
  options: { cwd?: string; ownProcessGroup?: boolean } = {},
): Promise<ChildApp> {
  return startIn(nodeArgs, script, env, { ...options, cwd: options.cwd ?? APPS });
}
