/** Starts a benchmark server (bench/http-server.ts) as a child process and talks to it over IPC. */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface ServerProcess {
  readonly variant: string;
  readonly port: number;
  readonly pid: number;
  /** Sends a command and waits for its reply (bounded by `timeoutMs`). */
  call<T = Record<string, unknown>>(cmd: string, extra?: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  /** This server's own CPU time so far, in microseconds (user + system, all its threads). */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

const ROOT = join(__dirname, '..', '..');
/** Where the servers' JavaScript goes (bench/results is gitignored); one directory per run, removed at exit. */
const JS_DIR = join(ROOT, 'bench', 'results', `js-${process.pid}`);

/**
 * The servers run as plain JavaScript, transpiled here once per run from src/ and the server
 * files, not through ts-node: a server process then holds no TypeScript compiler (~60 MB of heap
 * that would weigh on its GC and on the memory figures), only what an app using the package holds.
 * Variants `name@snapshot` load `$BENCH_SNAPSHOT_DIR/<snapshot>-src/` instead of src/.
 */
function transpileServers(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('typescript') as typeof import('typescript');
  const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
  const emit = (from: string, to: string): void => {
    const out = ts.transpileModule(readFileSync(from, 'utf8'), { compilerOptions: options, fileName: from }).outputText;
    mkdirSync(dirname(to), { recursive: true });
    writeFileSync(to, out);
  };
  const tree = (fromDir: string, toDir: string): void => {
    for (const entry of readdirSync(fromDir, { withFileTypes: true })) {
      const from = join(fromDir, entry.name);
      if (entry.isDirectory()) tree(from, join(toDir, entry.name));
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) emit(from, join(toDir, entry.name.replace(/\.ts$/, '.js')));
    }
  };
  rmSync(JS_DIR, { recursive: true, force: true });
  process.once('exit', () => rmSync(JS_DIR, { recursive: true, force: true }));
  tree(join(ROOT, 'src'), join(JS_DIR, 'src'));
  emit(join(ROOT, 'bench', 'http-server.ts'), join(JS_DIR, 'bench', 'http-server.js'));
  emit(join(ROOT, 'bench', 'lib', 'otel.ts'), join(JS_DIR, 'bench', 'lib', 'otel.js'));
  const snapshots = process.env.BENCH_SNAPSHOT_DIR;
  if (snapshots) {
    for (const entry of readdirSync(snapshots, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name.endsWith('-src')) tree(join(snapshots, entry.name), join(JS_DIR, 'snapshots', entry.name));
    }
  }
  return join(JS_DIR, 'bench', 'http-server.js');
}

let serverScript: string | undefined;

export interface StartOptions {
  /** Extra node flags for the server (e.g. --expose-gc). */
  execArgv?: string[];
  /** The Node binary to run the server with (default this process's; HTTP/2 variants need 22+, see lib/node-bin.ts). */
  execPath?: string;
  env?: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
}

/**
 * The servers run traces only: metrics and logs exporters are off (NodeSDK would otherwise push
 * OTLP metrics to localhost:4318), and every server gets the same environment.
 */
export function benchEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', ...extra };
  for (const key of Object.keys(env)) if (key.startsWith('RID_') && !(key in extra)) delete env[key];
  delete env.OTEL_SDK_DISABLED;
  delete env.OTEL_PROPAGATORS;
  delete env.NODE_OPTIONS;
  return env;
}

export function startServer(variant: string, options: StartOptions = {}): Promise<ServerProcess> {
  serverScript ??= transpileServers();
  const child: ChildProcess = fork(serverScript, [variant], {
    execArgv: options.execArgv ?? [],
    execPath: options.execPath ?? process.execPath,
    env: options.env ?? benchEnv(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let exited = false;

  return new Promise((resolveStart, rejectStart) => {
    const startTimer = setTimeout(() => {
      child.kill();
      rejectStart(new Error(`server ${variant} did not start within ${options.startTimeoutMs ?? 60_000} ms`));
    }, options.startTimeoutMs ?? 60_000);

    child.on('exit', (code, signal) => {
      exited = true;
      clearTimeout(startTimer);
      const err = new Error(`server ${variant} exited (code ${code}, signal ${signal})`);
      for (const p of pending.values()) {
        clearTimeout(p.timer);
        p.reject(err);
      }
      pending.clear();
      rejectStart(err);
    });

    child.on('message', (message: { ready?: boolean; port?: number; pid?: number; id?: number; error?: string }) => {
      if (message.ready) {
        clearTimeout(startTimer);
        const proc: ServerProcess = {
          variant,
          port: message.port!,
          pid: message.pid!,
          call<T>(cmd: string, extra: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> {
            if (exited) return Promise.reject(new Error(`server ${variant} has exited`));
            const id = nextId++;
            return new Promise<T>((resolve, reject) => {
              const timer = setTimeout(() => {
                pending.delete(id);
                reject(new Error(`server ${variant}: no reply to ${cmd} within ${timeoutMs} ms`));
              }, timeoutMs);
              pending.set(id, { resolve: resolve as (v: never) => void, reject, timer });
              child.send({ id, cmd, ...extra });
            });
          },
          async cpuMicros(): Promise<number> {
            const { user, system } = await proc.call<{ user: number; system: number }>('cpu');
            return user + system;
          },
          async stop(): Promise<void> {
            if (exited) return;
            const gone = new Promise<void>((r) => child.once('exit', () => r()));
            try {
              await proc.call('exit', {}, 10_000);
            } catch {
              // fall through to the kill below
            }
            const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
            await gone;
            clearTimeout(timer);
          },
        };
        resolveStart(proc);
        return;
      }
      const p = message.id === undefined ? undefined : pending.get(message.id);
      if (p === undefined) return;
      pending.delete(message.id!);
      clearTimeout(p.timer);
      if (message.error !== undefined) p.reject(new Error(`server ${variant}: ${message.error}`));
      else p.resolve(message as never);
    });
  });
}

/**
 * Pins a process (all its threads) to one CPU with taskset(1). On a 2-core machine the load
 * generator and the server under load otherwise wake each other on the same core and preempt
 * each other on almost every request, which inflates and scatters the server's CPU time.
 * Returns false (and pins nothing) when taskset is missing or there is only one CPU.
 */
export function pinToCpu(pid: number, cpu: number): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { cpus } = require('node:os') as typeof import('node:os');
  // cpus(), not availableParallelism(): the latter shrinks to 1 once this process is pinned.
  if (cpus().length < 2 || cpu >= cpus().length) return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
