/**
 * Apps in child processes, started as a user starts them with this package installed (the
 * hardening tests, the register tests and the benchmarks that start apps all use this).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = join(__dirname, '..', '..');

export interface ChildApp {
  child: ChildProcess;
  url: string;
  port: number;
  /** Parsed JSON lines the app printed. */
  messages: Record<string, unknown>[];
  stdout: string[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The apps in `appDir` see this package as an installed dependency (a node_modules link to the
 * repository, as `npm link` makes). `npm test` builds first; a single-file mocha run or a
 * benchmark builds here when the build is stale.
 */
export function ensureBuilt(appDir: string): void {
  const link = join(appDir, 'node_modules', '@rid', 'otel');
  if (!existsSync(link)) {
    mkdirSync(join(appDir, 'node_modules', '@rid'), { recursive: true });
    symlinkSync(ROOT, link, 'dir');
  }
  const built = join(ROOT, 'build', 'src', 'register.js');
  const newestSource = Math.max(...readdirSync(join(ROOT, 'src'), { recursive: true }).map((f) => statSync(join(ROOT, 'src', String(f))).mtimeMs));
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
}

/** An environment without the runner's own OTEL_* and RID_* settings. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OTEL_') && !k.startsWith('RID_')) env[k] = v;
  return { ...env, ...extra };
}

/**
 * Starts `node <nodeArgs> <script>` in `options.cwd` (a folder ensureBuilt linked the package
 * into, or one below it), as a user would start their app with the package installed; resolves
 * once the app prints `{"listening": port}`. With `ownProcessGroup`, the app and the processes it
 * starts are a process group of their own.
 */
export async function startApp(
  nodeArgs: string[],
  script: string,
  env: Record<string, string>,
  options: { cwd: string; ownProcessGroup?: boolean },
): Promise<ChildApp> {
  const child = spawn(process.execPath, [...nodeArgs, script], {
    cwd: options.cwd,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    // A group of its own, which `process.kill(-pid, signal)` signals as a terminal's Ctrl-C does.
    detached: options.ownProcessGroup === true,
  });
  const messages: Record<string, unknown>[] = [];
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const port = await new Promise<number>((resolve, reject) => {
    void exited.then(({ code }) => reject(new Error(`app exited early (${code}): ${stderr.join('\n')}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      stdout.push(line);
      try {
        const message = JSON.parse(line);
        messages.push(message);
        if (message.listening) resolve(message.listening);
      } catch {
        // not JSON: a console exporter line or the app's own output
      }
    });
  });
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    messages,
    stdout,
    stderr,
    exited,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** SIGKILLs `child` (its early-exit listeners removed) and resolves once it has exited. */
export function killChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
