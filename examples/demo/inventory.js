// The demo's downstream service: it reports the request ID it received.
const http = require('node:http');
const { getRequestId } = require('@rid/otel');

const server = http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ service: 'inventory', received: req.headers['x-request-id'], requestId: getRequestId() }));
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ listening: server.address().port })));
