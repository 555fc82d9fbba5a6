// require('@rid/otel') from the installed tarball, then `--require @rid/otel/register` serving one request.
const assert = require('node:assert/strict');
const rid = require('@rid/otel');
for (const name of ['RequestIdInstrumentation', 'getRequestId', 'runWithRequestId', 'RequestIdPropagator', 'RequestIdSpanProcessor', 'RequestIdConfigError']) {
  assert.equal(typeof rid[name], 'function', name);
}
const http = require('node:http');
const registered = require.cache[require.resolve('@rid/otel/register')] !== undefined;
const server = http.createServer((_req, res) => res.end(rid.getRequestId() ?? 'none'));
server.listen(0, '127.0.0.1', () => {
  http.get({ host: '127.0.0.1', port: server.address().port, path: '/', headers: { 'X-Request-Id': 'cjs-1' } }, (res) => {
    let body = '';
    res.on('data', (c) => (body += c));
    res.on('end', async () => {
      if (registered) {
        assert.equal(res.headers['x-request-id'], 'cjs-1');
        assert.equal(body, 'cjs-1');
      }
      const mode = registered ? require('@rid/otel/register').mode : 'not registered';
      console.log(JSON.stringify({ ok: true, kind: 'cjs', registered, mode }));
      server.close();
      if (registered) await require('@rid/otel/register').shutdown();
    });
  });
});
