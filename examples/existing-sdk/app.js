// An express app traced by the auto-instrumentations; every span carries request.id.
const express = require('express');
const { getRequestId } = require('@rid/otel');

const app = express();
app.get('/hello', (req, res) => res.json({ hello: 'world', requestId: getRequestId() }));
const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
