import '../support/otel';
import * as assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { UNDICI_REQUEST_CREATE } from '../../src/internals/channels';
import { filterLaterAdds, rewriteUndiciHeader, undiciHeaderCount, undiciHeaderValue, type UndiciRequest } from '../../src/internals/undici';
import { startServer } from '../support/http';

// What internals/undici.ts relies on in the undici that runs global fetch on this Node: if this
// fails, fetch propagation and withholding have fallen back to doing nothing.
describe("internals/undici: global fetch's request object", () => {
  it('publishes a request with a [name, value, …] header list and addHeader, which the helpers read and rewrite', async () => {
    let received: Record<string, string | string[] | undefined> = {};
    const server = await startServer((req, res) => {
      received = req.headers;
      res.end();
    });
    const seen: { array: boolean; count: number; value: string | undefined } = { array: false, count: -1, value: undefined };
    const onCreate = (message: unknown): void => {
      const request = (message as { request: UndiciRequest }).request;
      seen.array = Array.isArray(request.headers);
      seen.count = undiciHeaderCount(request, 'x-app');
      seen.value = undiciHeaderValue(request.headers, 'x-app');
      request.addHeader('X-Added', 'one');
      rewriteUndiciHeader(request, 'x-drop', () => '');
      filterLaterAdds(request, (key, value) => (key === 'x-later' ? undefined : value));
      request.addHeader('X-Later', 'dropped');
      request.addHeader('X-Kept', 'kept');
    };
    subscribe(UNDICI_REQUEST_CREATE, onCreate);
    try {
      await (await fetch(server.url, { headers: { 'X-App': 'mine', 'X-Drop': 'gone' } })).text();
    } finally {
      unsubscribe(UNDICI_REQUEST_CREATE, onCreate);
      await server.close();
    }
    assert.deepEqual(seen, { array: true, count: 1, value: 'mine' }, `undici ${process.versions.undici} on Node ${process.version}`);
    assert.equal(received['x-added'], 'one');
    assert.equal(received['x-app'], 'mine');
    assert.equal(received['x-drop'], undefined);
    assert.equal(received['x-later'], undefined);
    assert.equal(received['x-kept'], 'kept');
  });

  it('reads and rewrites the older one-string form (undici 5) too', () => {
    const request = { origin: 'http://x', path: '/', method: 'GET', headers: 'a: 1\r\nB: 2\r\nb: 3\r\n', addHeader: () => undefined } as UndiciRequest;
    assert.equal(undiciHeaderCount(request, 'b'), 2);
    assert.equal(undiciHeaderValue(request.headers, 'b'), '2');
    rewriteUndiciHeader(request, 'b', (v) => (v === '2' ? '' : v));
    assert.equal(request.headers, 'a: 1\r\nb: 3\r\n');
  });
});
