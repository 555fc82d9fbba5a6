import './support/otel';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { getRequestId, RequestIdInstrumentation } from '../src';
import { requestIdFormat, requestIdMixin } from '../src/logging';
import { get, startServer, type TestServer } from './support/http';

type Line = Record<string, unknown>;
const run = promisify(execFile);

/** A destination that keeps every JSON line written to it. */
function capture(): { stream: Writable; lines: Line[] } {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { stream, lines };
}

/** Logs through `log` before and after an await, in a timer and in a promise chain, then answers. */
function handlerLoggingWith(log: (msg: string) => void): RequestListener {
  return async (_req, res) => {
    log('handler start');
    await new Promise((r) => setTimeout(r, 2));
    log('after await');
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        log('in a timer');
        resolve();
      }, 1),
    );
    await Promise.resolve().then(() => log('in a promise chain'));
    res.end(getRequestId());
  };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('logging: the request ID on every log line written during a request', () => {
  let inst: RequestIdInstrumentation;
  let servers: TestServer[] = [];
  before(() => {
    inst = new RequestIdInstrumentation();
  });
  after(() => inst.disable());
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });
  async function serve(handler: RequestListener): Promise<TestServer> {
    const server = await startServer(handler);
    servers.push(server);
    return server;
  }

  describe('pino: pino({ mixin: requestIdMixin() })', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pino = () => require('pino') as typeof import('pino').default;

    it('every line of a request has request_id, child loggers included; lines outside a request have none', async () => {
      const { stream, lines } = capture();
      const logger = pino()({ mixin: requestIdMixin() }, stream);
      const child = logger.child({ component: 'db' });
      const server = await serve(
        handlerLoggingWith((msg) => {
          logger.info(msg);
          child.info(`child: ${msg}`);
        }),
      );
      logger.info('at start-up');
      const a = await get(server.url);
      const b = await get(server.url, { 'X-Request-Id': 'client-chose-this' });
      await settle();
      const idA = a.headers['x-request-id'];
      assert.equal(b.headers['x-request-id'], 'client-chose-this');
      assert.deepEqual(lines[0], { ...lines[0], msg: 'at start-up' });
      assert.equal('request_id' in lines[0], false, 'no key at all outside a request');
      const inRequests = lines.slice(1);
      assert.equal(inRequests.length, 16);
      assert.deepEqual(
        inRequests.map((l) => l.request_id),
        [...Array(8).fill(idA), ...Array(8).fill('client-chose-this')],
      );
      assert.ok(inRequests.filter((l) => l.component === 'db').length === 8);
    });

    it('concurrent requests never see each other\'s ID', async () => {
      const { stream, lines } = capture();
      const logger = pino()({ mixin: requestIdMixin() }, stream);
      const server = await serve(handlerLoggingWith((msg) => logger.info({ seen: getRequestId() }, msg)));
      await Promise.all(Array.from({ length: 20 }, (_, i) => get(server.url, { 'X-Request-Id': `req-${i}` })));
      await settle();
      assert.equal(lines.length, 80);
      for (const line of lines) assert.equal(line.request_id, line.seen);
      assert.equal(new Set(lines.map((l) => l.request_id)).size, 20);
    });

    it('options: another key, an existing mixin kept; a field passed to the call wins', async () => {
      const { stream, lines } = capture();
      const logger = pino()({ mixin: requestIdMixin({ key: 'rid', mixin: () => ({ app: 'shop' }) }) }, stream);
      const server = await serve((_req, res) => {
        logger.info('plain');
        logger.info({ rid: 'set-by-the-call' }, 'explicit');
        res.end();
      });
      await get(server.url, { 'X-Request-Id': 'abc' });
      await settle();
      assert.deepEqual([lines[0].rid, lines[0].app, lines[0].request_id], ['abc', 'shop', undefined]);
      assert.equal(lines[1].rid, 'set-by-the-call');
      assert.throws(() => requestIdMixin({ key: '' }), /non-empty string/);
    });

    it("pino-http: genReqId: () => getRequestId() makes req.id ours; with the mixin, its 'request completed' line has request_id too", async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const pinoHttp = require('pino-http') as typeof import('pino-http').default;
      const { stream, lines } = capture();
      const logger = pino()({ mixin: requestIdMixin() }, stream);
      const httpLogger = pinoHttp({ logger, genReqId: () => getRequestId() ?? randomUUID() });
      const server = await serve((req: IncomingMessage, res: ServerResponse) => {
        httpLogger(req, res);
        req.log.info('in the handler');
        res.end();
      });
      const res = await get(server.url);
      await settle();
      const id = res.headers['x-request-id'];
      assert.equal(lines.length, 2);
      for (const line of lines) {
        assert.equal(line.request_id, id, String(line.msg));
        assert.equal((line.req as { id: string }).id, id, 'pino-http req.id is the same ID');
      }
      assert.equal(lines[1].msg, 'request completed');
    });
  });

  describe('winston: winston.format(requestIdFormat)()', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const winston = () => require('winston') as typeof import('winston');

    it('every line of a request has request_id; lines outside a request have none', async () => {
      const w = winston();
      const { stream, lines } = capture();
      const logger = w.createLogger({
        format: w.format.combine(w.format(requestIdFormat)(), w.format.json()),
        transports: [new w.transports.Stream({ stream })],
      });
      const child = logger.child({ component: 'db' });
      const server = await serve(
        handlerLoggingWith((msg) => {
          logger.info(msg);
          child.warn(`child: ${msg}`);
        }),
      );
      logger.info('at start-up');
      const res = await get(server.url, { 'X-Request-Id': 'w-1' });
      assert.equal(res.body, 'w-1');
      await settle();
      assert.equal(lines[0].message, 'at start-up');
      assert.equal('request_id' in lines[0], false);
      assert.equal(lines.length, 9);
      for (const line of lines.slice(1)) assert.equal(line.request_id, 'w-1', String(line.message));
    });

    it('options through the format: another key; a field the call set is kept', async () => {
      const w = winston();
      const { stream, lines } = capture();
      const logger = w.createLogger({
        format: w.format.combine(w.format(requestIdFormat)({ key: 'rid' }), w.format.json()),
        transports: [new w.transports.Stream({ stream })],
      });
      const server = await serve((_req, res) => {
        logger.info('plain');
        logger.info('explicit', { rid: 'mine' });
        res.end();
      });
      await get(server.url, { 'X-Request-Id': 'w-2' });
      await settle();
      assert.deepEqual(
        lines.map((l) => l.rid),
        ['w-2', 'mine'],
      );
    });
  });

  describe('with the OTel logger instrumentations: logHook: requestIdLogHook(), no mixin or format', () => {
    it('pino and winston lines of a request carry trace_id, span_id and request_id (an app in its own process)', async () => {
      const fixture = join(__dirname, 'fixtures', 'log-instrumentations.ts');
      const { stdout } = await run(process.execPath, ['-r', 'ts-node/register/transpile-only', fixture], { cwd: join(__dirname, '..'), timeout: 30000 });
      const result = JSON.parse(stdout.trim().split('\n').pop()!) as { echo: string; pino: Line[]; winston: Line[] };
      assert.equal(result.echo, 'hooked-1');
      const [outside, ...pinoInRequest] = result.pino;
      assert.equal(outside.msg, 'outside a request');
      assert.equal(outside.request_id, undefined);
      for (const line of [...pinoInRequest, ...result.winston]) {
        assert.equal(line.request_id, 'hooked-1', JSON.stringify(line));
        assert.match(String(line.trace_id), /^[0-9a-f]{32}$/);
        assert.match(String(line.span_id), /^[0-9a-f]{16}$/);
      }
      assert.deepEqual([pinoInRequest.length, result.winston.length], [2, 2]);
    });
  });
});
