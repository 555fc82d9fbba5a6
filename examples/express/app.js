// express 5 with body parsing, zero code changes for request IDs:
//   node --require @rid/otel/register examples/express/app.js
//   curl -i localhost:3000/orders -H 'content-type: application/json' -d '{"sku":"A1"}'
const express = require('express');
const { getRequestId } = require('@rid/otel');

const app = express();
app.use(express.json());

app.post('/orders', async (req, res) => {
  await new Promise((r) => setTimeout(r, 5)); // some async work: the ID survives it
  console.log(`[${getRequestId()}] order for ${req.body.sku}`);
  res.status(201).json({ sku: req.body.sku, requestId: getRequestId() });
});

app.get('/boom', () => {
  throw new Error('boom'); // express answers 500, and the 500 still carries X-Request-Id
});

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
