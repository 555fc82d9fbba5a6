// AWS calls with their request IDs in the trace, no code for it:
//   node --require @rid/otel/register examples/aws/app.js
// Against real AWS, set AWS_REGION and credentials as usual. Against local emulators, run
// `node examples/aws/local.js`, which starts s3rver and dynalite and this app pointed at them.
const http = require('node:http');
const { S3Client, PutObjectCommand, GetObjectCommand } = require('@aws-sdk/client-s3');
const { DynamoDBClient, PutItemCommand } = require('@aws-sdk/client-dynamodb');
const { getRequestId } = require('@rid/otel');

const region = process.env.AWS_REGION ?? 'us-east-1';
const s3 = new S3Client({ region, endpoint: process.env.S3_ENDPOINT, forcePathStyle: Boolean(process.env.S3_ENDPOINT) });
const dynamodb = new DynamoDBClient({ region, endpoint: process.env.DYNAMODB_ENDPOINT });
const bucket = process.env.BUCKET ?? 'receipts';
const table = process.env.TABLE ?? 'orders';

const server = http.createServer(async (req, res) => {
  try {
    const id = getRequestId();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${id}.txt`, Body: 'paid' }));
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: { id: { S: id } } }));
    // A missing key: the error's IDs are recorded too, ready for a support case.
    await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'missing.txt' })).catch((err) => err);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ requestId: id }));
  } catch (err) {
    res.statusCode = 502;
    res.end(String(err));
  }
});
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
