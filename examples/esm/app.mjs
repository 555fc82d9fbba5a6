// An ESM app: node --import @rid/otel/register examples/esm/app.mjs
import { createServer } from 'node:http';
import { getRequestId } from '@rid/otel';

const server = createServer(async (req, res) => {
  const upstream = process.env.UPSTREAM_URL ? await (await fetch(process.env.UPSTREAM_URL)).text() : null;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ requestId: getRequestId(), upstream }));
});
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
