// import '@rid/otel' (named exports through Node's CommonJS interop), then, when started with
// `--import @rid/otel/register`, one request through an ESM-imported http server.
import assert from 'node:assert/strict';
import '@rid/otel';
import { getRequestId, RequestIdInstrumentation, RequestIdSpanProcessor } from '@rid/otel';
import rid from '@rid/otel';
import http from 'node:http';

assert.equal(typeof RequestIdInstrumentation, 'function');
assert.equal(typeof RequestIdSpanProcessor, 'function');
assert.equal(rid.getRequestId, getRequestId);
const registered = process.execArgv.some((a) => a.includes('@rid/otel/register'));
const server = http.createServer((_req, res) => res.end(getRequestId() ?? 'none'));
server.listen(0, '127.0.0.1', () => {
  http.get({ host: '127.0.0.1', port: server.address().port, path: '/', headers: { 'X-Request-Id': 'esm-1' } }, (res) => {
    let body = '';
    res.on('data', (c) => (body += c));
    res.on('end', () => {
      if (registered) {
        assert.equal(res.headers['x-request-id'], 'esm-1');
        assert.equal(body, 'esm-1');
      }
      console.log(JSON.stringify({ ok: true, kind: 'esm', registered }));
      server.close();
    });
  });
});
