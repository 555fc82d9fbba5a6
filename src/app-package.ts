import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The app's own folder: where its main script is, and its dependencies are installed. In AWS
 * Lambda the main script is the runtime's: the function's code is in `LAMBDA_TASK_ROOT`.
 */
export function appDir(): string {
  if (process.env.LAMBDA_TASK_ROOT) return process.env.LAMBDA_TASK_ROOT;
  return process.argv[1] ? dirname(process.argv[1]) : process.cwd();
}

/**
 * The service name both ways in default to: the `name` of the app's package.json, as most users
 * expect to see it in Jaeger (instead of `unknown_service:node`). In AWS Lambda, the function's
 * name, as the AWS Distro for OpenTelemetry names it: one bundle's package.json often serves
 * several functions.
 */
export function appPackageName(): string | undefined {
  if (process.env.LAMBDA_TASK_ROOT && process.env.AWS_LAMBDA_FUNCTION_NAME) return process.env.AWS_LAMBDA_FUNCTION_NAME;
  const name = nearestPackageJson(appDir(), true)?.name;
  return typeof name === 'string' ? name : undefined;
}

/** The closest package.json at or above `dir` (with `named`, the closest one that has a name). */
function nearestPackageJson(dir: string, named = false): { name?: unknown; type?: unknown } | undefined {
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (!named || (typeof pkg.name === 'string' && pkg.name !== '')) return pkg;
    } catch {
      // no readable package.json here: keep climbing
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Whether Node loads `filename` as an ES module: `.mjs`/`.mts`, or `.js`/`.ts` under a package.json of type module. */
export function isEsmFile(filename: string): boolean {
  if (/\.m[jt]s$/.test(filename)) return true;
  if (/\.c[jt]s$/.test(filename)) return false;
  return nearestPackageJson(dirname(filename))?.type === 'module';
}
