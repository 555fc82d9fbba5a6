/**
 * A local AWS Lambda Runtime API (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html)
 * and the real runtime interface client (`aws-lambda-ric`, installed by compat/lambda/install.sh)
 * running a function against it in a child process, as Lambda runs it: the client long-polls
 * `invocation/next`, calls the handler, and posts its result or error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const PREFIX = '/2018-06-01/runtime';

export interface Invocation {
  /** The Lambda request ID (`context.awsRequestId`, the span's `faas.invocation_id`). */
  requestId: string;
  /** What the handler returned, parsed, when it succeeded. */
  result?: unknown;
  /** The error the runtime reported (`errorType`, `errorMessage`), when it failed. */
  error?: unknown;
  /** `Date.now()` when the runtime posted the result or error. */
  respondedAt: number;
}

interface Pending {
  requestId: string;
  event: unknown;
  deadlineMs: number;
  clientContext?: unknown;
  done: (invocation: Invocation) => void;
}

export class LambdaRuntimeApi {
  private readonly queue: Pending[] = [];
  private readonly inFlight = new Map<string, Pending>();
  private waiting: http.ServerResponse[] = [];
  /** `Date.now()` of each `invocation/next` request: the first is when the function's init ended. */
  readonly nextRequests: number[] = [];
  /** What the runtime reported at `init/error`, if it failed to start. */
  initError: unknown;

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<LambdaRuntimeApi> {
    const server = http.createServer();
    const api = new LambdaRuntimeApi(server);
    server.on('request', (req, res) => api.serve(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return api;
  }

  /** `AWS_LAMBDA_RUNTIME_API`. */
  get address(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Queues an invocation; resolves when the runtime has answered it. */
  invoke(event: unknown, options: { timeoutMs?: number; clientContext?: unknown } = {}): Promise<Invocation> {
    return new Promise((done) => {
      this.queue.push({ requestId: randomUUID(), event, deadlineMs: Date.now() + (options.timeoutMs ?? 30000), clientContext: options.clientContext, done });
      this.dispatch();
    });
  }

  /** The function's process is gone: what it had taken or would take fails with `why`, instead of waiting forever. */
  failAll(why: string): void {
    for (const pending of [...this.inFlight.values(), ...this.queue]) pending.done({ requestId: pending.requestId, error: { errorType: 'Runtime.ExitError', errorMessage: why }, respondedAt: Date.now() });
    this.inFlight.clear();
    this.queue.length = 0;
  }

  close(): Promise<void> {
    for (const res of this.waiting) res.destroy();
    this.waiting = [];
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === `${PREFIX}/invocation/next`) {
      this.nextRequests.push(Date.now());
      this.waiting.push(res);
      this.dispatch();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const answered = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
      if (req.method === 'POST' && answered) {
        const pending = this.inFlight.get(answered[1]);
        if (pending === undefined) return void res.writeHead(400).end();
        this.inFlight.delete(answered[1]);
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}');
        const parsed = parse(body);
        pending.done({ requestId: pending.requestId, respondedAt: Date.now(), ...(answered[2] === 'response' ? { result: parsed } : { error: parsed }) });
        return;
      }
      if (req.method === 'POST' && url === `${PREFIX}/init/error`) {
        this.initError = parse(body);
        return void res.writeHead(202).end('{"status":"OK"}');
      }
      res.writeHead(404).end();
    });
  }

  /** Hands the oldest queued invocation to a runtime waiting on `next`. */
  private dispatch(): void {
    while (this.queue.length > 0 && this.waiting.length > 0) {
      const pending = this.queue.shift()!;
      const res = this.waiting.shift()!;
      this.inFlight.set(pending.requestId, pending);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'lambda-runtime-aws-request-id': pending.requestId,
        'lambda-runtime-deadline-ms': String(pending.deadlineMs),
        'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:us-east-1:123456789012:function:orders',
        'lambda-runtime-trace-id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)};Parent=53995c3f42cd8ad8;Sampled=0`,
      };
      if (pending.clientContext !== undefined) headers['lambda-runtime-client-context'] = JSON.stringify(pending.clientContext);
      res.writeHead(200, headers).end(JSON.stringify(pending.event));
    }
  }
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** Which client: 3.x is the `nodejs22.x` runtime's, 4.x the `nodejs24.x` one's. */
export type RicLine = 3 | 4;

export interface LambdaFunction {
  readonly child: ChildProcess;
  /** What the function wrote, stdout and stderr together. */
  output(): string;
  stop(): Promise<void>;
}

/** compat/lambda's install of the client of `line`, and the Node binary it was built for. */
export function ricPaths(line: RicLine): { node: string; entry: string } {
  const dir = join(ROOT, 'compat', 'lambda', `ric${line}`);
  const node = join(ROOT, 'compat', `node${line === 3 ? 22 : 24}`, 'node_modules', '.bin', 'node');
  // 3.x starts from bin/ with the handler as its argument; 4.x is one bundle that reads `_HANDLER`.
  const entry = join(dir, 'node_modules', 'aws-lambda-ric', ...(line === 3 ? ['bin', 'index.mjs'] : ['index.mjs']));
  if (!existsSync(entry) || !existsSync(node)) throw new Error(`aws-lambda-ric ${line} is not installed: run bash compat/lambda/install.sh`);
  return { node, entry };
}

/**
 * The function in `handlerDir` (`handler` as `_HANDLER` names it: `index.handler`), run by the
 * client of `ric` against `api`, with the environment Lambda sets and `env` on top.
 */
export function startFunction(options: { ric: RicLine; api: LambdaRuntimeApi; handlerDir: string; handler: string; env?: NodeJS.ProcessEnv }): LambdaFunction {
  const { node, entry } = ricPaths(options.ric);
  const runtime = options.ric === 3 ? 'nodejs22.x' : 'nodejs24.x';
  let output = '';
  const child = spawn(node, [entry, options.handler], {
    cwd: options.handlerDir,
    env: {
      PATH: process.env.PATH,
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      AWS_LAMBDA_RUNTIME_API: options.api.address,
      LAMBDA_TASK_ROOT: options.handlerDir,
      _HANDLER: options.handler,
      AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: 'orders',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/orders',
      AWS_LAMBDA_LOG_STREAM_NAME: '2026/12/04/[$LATEST]0123456789abcdef0123456789abcdef',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  child.once('exit', (code, signal) => options.api.failAll(`the function exited (${signal ?? code}):\n${output}`));
  return {
    child,
    output: () => output,
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null || child.signalCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGKILL');
      }),
  };
}
