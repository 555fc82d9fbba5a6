/**
 * The same kind of server, in a process of its own with no OpenTelemetry and no @rid/otel: what
 * Node's parser alone answers. A request the instrumented server refuses (400, 431) counts as the
 * parser's doing only if this one refuses the same bytes the same way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { killChild } from '../../bench/lib/app-process';

const SCRIPT = `
const http = require('node:http');
const server = http.createServer((req, res) => { req.resume(); res.statusCode = 299; res.end('plain'); });
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ listening: server.address().port })));
`;

export interface PlainServer {
  port: number;
  stop(): Promise<void>;
}

export async function startPlainServer(): Promise<PlainServer> {
  const child: ChildProcess = spawn(process.execPath, ['-e', SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the plain server exited early (${code})`)));
    createInterface({ input: child.stdout! }).on('line', (line) => resolve(JSON.parse(line).listening));
  });
  return {
    port,
    stop: () => killChild(child),
  };
}
