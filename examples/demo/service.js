// The demo's checkout service: an ordinary app, started with `node --require @rid/otel/register`.
//   GET /          answers; the request ID is in the response header and in getRequestId()
//   GET /fanout    calls the inventory service with http.get and with fetch
//   GET /s3        writes and reads an object in S3 (a local s3rver in the demo)
const http = require('node:http');
const { S3Client, PutObjectCommand, GetObjectCommand, CreateBucketCommand } = require('@aws-sdk/client-s3');
const { getRequestId } = require('@rid/otel');

const s3 = new S3Client({
  region: 'us-east-1',
  endpoint: process.env.S3_ENDPOINT,
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
});

function getJson(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(JSON.parse(body)));
      })
      .on('error', reject);
  });
}

const routes = {
  '/': async () => ({ requestId: getRequestId() }),
  '/fanout': async () => ({
    requestId: getRequestId(),
    inventoryViaHttp: await getJson(process.env.INVENTORY_URL),
    inventoryViaFetch: await (await fetch(process.env.INVENTORY_URL)).json(),
  }),
  '/s3': async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'receipts' })).catch(() => undefined);
    const put = await s3.send(new PutObjectCommand({ Bucket: 'receipts', Key: 'order-42.txt', Body: `paid in ${getRequestId()}` }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'receipts', Key: 'order-42.txt' }));
    return { requestId: getRequestId(), body: await got.Body.transformToString(), s3RequestId: put.$metadata.requestId };
  },
};

const server = http.createServer(async (req, res) => {
  const route = routes[req.url] ?? routes['/'];
  try {
    const answer = await route();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(answer));
  } catch (err) {
    res.statusCode = 500;
    res.end(String(err));
  }
});
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ listening: server.address().port }));
});
