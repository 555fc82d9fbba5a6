/**
 * The load app (bench/fixtures/load-app.js) under `--require @rid/otel/register`, for the
 * exporter-fault benchmark and the hardening tests: start it, read its own figures, and check each
 * answer of a load run (KeepAliveClient's `check`).
 */
import * as http from 'node:http';
import { join } from 'node:path';
import { ensureBuilt, startApp, type ChildApp } from './app-process';
import type { KeepAliveClient, LoadResult } from './load';
import { untraced } from './untraced';

const FIXTURES = join(__dirname, '..', 'fixtures');
export const LOAD_APP = join(FIXTURES, 'load-app.js');

/** The load app, as a user would run it: `node --expose-gc --require @rid/otel/register load-app.js`. */
export function startLoadApp(env: Record<string, string>): Promise<ChildApp> {
  ensureBuilt(FIXTURES);
  return startApp(['--expose-gc', '--require', '@rid/otel/register'], LOAD_APP, env, { cwd: FIXTURES });
}

export interface AppStats {
  served: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  cpuMicros: number;
}

export interface Answer {
  status: number;
  id: string | undefined;
  body: string;
  ms: number;
}

/** One GET; resolves with the status, the echoed ID, the body and the latency in milliseconds. */
export function timedGet(url: string, agent: http.Agent | false): Promise<Answer> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    untraced(() =>
      http.get(url, { agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, id: res.headers['x-request-id'] as string | undefined, body, ms: Number(process.hrtime.bigint() - t0) / 1e6 }),
        );
      }),
    ).on('error', reject);
  });
}

/** The app's own figures; with `gc`, after a full GC. */
export async function appStats(app: ChildApp, gc = false): Promise<AppStats> {
  return JSON.parse((await timedGet(`${app.url}/${gc ? '__gc' : '__stats'}`, false)).body);
}

const ECHO = /\r\nx-request-id: *([^\r]*)/i;

/**
 * A load run's check of one answer of the load app (`head` without its final CRLFs): a failure
 * unless it is a 200 whose echoed ID is the one getRequestId() saw in the app.
 */
export function echoMatchesSeen(head: string, body: string): string | undefined {
  const id = ECHO.exec(head)?.[1];
  let seen: unknown;
  try {
    seen = (JSON.parse(body) as { seen?: unknown }).seen;
  } catch {
    seen = undefined;
  }
  return head.startsWith('HTTP/1.1 200 ') && id !== undefined && seen === id ? undefined : `${head.slice(0, 12)} ${id} ${body}`;
}

/** `requests` GETs of `/` on `client` (connections to the load app, kept across runs), each answer checked with echoMatchesSeen. */
export function checkedRun(client: KeepAliveClient, requests: number): Promise<LoadResult> {
  return client.run({ requests, timeoutMs: 120_000, check: echoMatchesSeen });
}
