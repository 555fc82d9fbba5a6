/**
 * The one module that knows another package's build layout: whether
 * `@opentelemetry/auto-instrumentations-node/register` ran before us (`--require` or `--import`),
 * which means it started an SDK of its own. Its file is looked for in `require.cache` by the paths
 * its releases build it to (`build/src/register.js`; `dist/register.cjs` if it moves), so that a
 * copy loaded from anywhere counts, not only the app's. That layout is probed once, at the first
 * call: the app's copy's `./register` export, resolved through its exports map (public), must
 * match it. When it does not (a release with another layout), the public fallback: that resolved
 * file itself in `require.cache`. test/internals/auto-instrumentations-register.test.ts fails
 * loudly when it falls back.
 */
const REGISTER_FILE = /[\\/]auto-instrumentations-node[\\/](build[\\/]src|dist)[\\/]register\.c?js$/;

let isRegisterFile: ((file: string) => boolean) | undefined;

/** Whether auto-instrumentations-node's register was loaded in this process; `appDir` is where the app resolves packages from. */
export function autoInstrumentationsRegisterLoaded(appDir: string): boolean {
  isRegisterFile ??= probe(appDir);
  return Object.keys(require.cache).some(isRegisterFile);
}

function probe(appDir: string): (file: string) => boolean {
  const resolved = resolveRegister(appDir);
  // Not installed where the app resolves it: the layout cannot be checked, and a copy from elsewhere still counts.
  if (resolved === undefined || REGISTER_FILE.test(resolved)) return (file) => REGISTER_FILE.test(file);
  return (file) => file === resolved;
}

function resolveRegister(appDir: string): string | undefined {
  try {
    return require.resolve('@opentelemetry/auto-instrumentations-node/register', { paths: [appDir] });
  } catch {
    return undefined;
  }
}

/** For tests: whether the app's copy of auto-instrumentations-node has the build layout we look for (false: it is not installed, or the probe fell back). */
export function registerLayoutKnown(appDir: string): boolean {
  const resolved = resolveRegister(appDir);
  return resolved !== undefined && REGISTER_FILE.test(resolved);
}
