import * as assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { setResponseHeader, usesHeaderStore } from '../../src/internals/node-http';
import { get, headerCount, startServer, type TestResponse } from '../support/http';

/** Serves one request with `handler`, returns the response the client got. */
async function answer(handler: (res: ServerResponse) => void): Promise<TestResponse> {
  const server = await startServer((_req, res) => {
    try {
      handler(res);
      if (!res.headersSent) res.end('ok');
    } catch (err) {
      res.statusCode = 500;
      res.end(String((err as Error).message));
    }
  });
  try {
    return await get(server.url);
  } finally {
    await server.close();
  }
}

describe('setResponseHeader (setHeader without its per-call lower-casing)', () => {
  it("uses Node's header store on this Node (CI runs it on 20 and 24)", () => {
    assert.equal(usesHeaderStore, true, `the kOutHeaders probe failed on Node ${process.version}: every echo now pays for setHeader`);
  });

  it('writes the name with its casing, once, readable through the response API', async () => {
    let seen: unknown[] = [];
    const res = await answer((r) => {
      setResponseHeader(r, 'X-Request-Id', 'x-request-id', 'abc-123');
      seen = [r.getHeader('x-request-id'), r.hasHeader('X-Request-Id'), r.getHeaderNames(), (r as unknown as { getRawHeaderNames(): string[] }).getRawHeaderNames()];
    });
    assert.deepEqual(seen, ['abc-123', true, ['x-request-id'], ['X-Request-Id']]);
    assert.equal(res.rawHeaders[res.rawHeaders.indexOf('X-Request-Id') + 1], 'abc-123');
    assert.equal(headerCount(res, 'x-request-id'), 1);
  });

  it("the app's own setHeader, removeHeader and writeHead headers still win", async () => {
    const replaced = await answer((r) => {
      setResponseHeader(r, 'X-Request-Id', 'x-request-id', 'ours');
      r.setHeader('x-request-id', 'theirs');
    });
    assert.equal(replaced.headers['x-request-id'], 'theirs');
    assert.equal(headerCount(replaced, 'x-request-id'), 1);

    const removed = await answer((r) => {
      setResponseHeader(r, 'X-Request-Id', 'x-request-id', 'ours');
      r.removeHeader('X-Request-Id');
    });
    assert.equal(headerCount(removed, 'x-request-id'), 0);

    const merged = await answer((r) => {
      setResponseHeader(r, 'X-Request-Id', 'x-request-id', 'ours');
      r.writeHead(201, { 'Content-Type': 'text/plain', 'X-Request-Id': 'from-writeHead' }).end('made');
    });
    assert.equal(merged.status, 201);
    assert.equal(merged.headers['content-type'], 'text/plain');
    assert.equal(merged.headers['x-request-id'], 'from-writeHead');
  });

  it("a value Node's setHeader refuses is refused the same way, never written raw", async () => {
    const res = await answer((r) => setResponseHeader(r, 'X-Request-Id', 'x-request-id', 'bad\u0001value'));
    assert.equal(res.status, 500);
    assert.match(res.body, /Invalid character in header content/);
    assert.equal(headerCount(res, 'x-request-id'), 0);
  });

  it('after the head is written it throws as setHeader does', async () => {
    const res = await answer((r) => {
      r.writeHead(200).write('head sent');
      try {
        setResponseHeader(r, 'X-Request-Id', 'x-request-id', 'late');
        r.end(' no error');
      } catch (err) {
        r.end(` ${(err as NodeJS.ErrnoException).code}`);
      }
    });
    assert.equal(res.body, 'head sent ERR_HTTP_HEADERS_SENT');
  });
});
