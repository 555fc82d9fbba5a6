// Runs examples/aws/app.js against local emulators (s3rver behind an S3-like ID proxy, and
// dynalite), with the console exporter, and calls it once:
//   node examples/aws/local.js
const { spawn } = require('node:child_process');
const http = require('node:http');
const { join } = require('node:path');
const { createInterface } = require('node:readline');
const dynalite = require('dynalite');
const { DynamoDBClient, CreateTableCommand } = require('@aws-sdk/client-dynamodb');
const { S3Client, CreateBucketCommand } = require('@aws-sdk/client-s3');
const { startLocalS3 } = require('../demo/s3-local');

const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

async function main() {
  const s3 = await startLocalS3();
  const ddb = dynalite({ createTableMs: 0 });
  await new Promise((r) => ddb.listen(0, '127.0.0.1', r));
  const dynamodbEndpoint = `http://127.0.0.1:${ddb.address().port}`;
  await new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials }).send(new CreateBucketCommand({ Bucket: 'receipts' }));
  await new DynamoDBClient({ region: 'us-east-1', endpoint: dynamodbEndpoint, credentials }).send(
    new CreateTableCommand({
      TableName: 'orders',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const app = spawn(process.execPath, ['--require', '@rid/otel/register', join(__dirname, 'app.js')], {
    env: {
      ...process.env,
      PORT: '0',
      S3_ENDPOINT: s3.endpoint,
      DYNAMODB_ENDPOINT: dynamodbEndpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      OTEL_SERVICE_NAME: 'aws-example',
      OTEL_TRACES_EXPORTER: process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? 'otlp' : 'console',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve) =>
    createInterface({ input: app.stdout }).on('line', (line) => {
      console.log(line);
      const m = /listening on (\S+)/.exec(line);
      if (m) resolve(m[1]);
    }),
  );
  const id = await new Promise((resolve) => http.get(url, (res) => (res.resume(), resolve(res.headers['x-request-id']))));
  console.log(`\nX-Request-Id: ${id}`);
  await new Promise((r) => setTimeout(r, 500));
  app.kill('SIGTERM');
  await new Promise((r) => app.once('exit', r));
  await new Promise((r) => ddb.close(r));
  await s3.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
