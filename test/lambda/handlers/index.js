// A function as users write one: it calls a service downstream and DynamoDB, and answers with the
// request ID it saw and the one the downstream received. DOWNSTREAM_URL and DYNAMO_ENDPOINT come
// from the test. `@rid/otel` is this repository's build (a bundle would have the package).
const http = require('node:http');
const { DynamoDBClient, ListTablesCommand } = require('@aws-sdk/client-dynamodb');
const { getRequestId } = require('../../../build/src');

const dynamo = new DynamoDBClient({
  endpoint: process.env.DYNAMO_ENDPOINT,
  region: 'us-east-1',
  credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' },
  maxAttempts: 1,
});

function callDownstream() {
  return new Promise((resolve, reject) => {
    http
      .get(process.env.DOWNSTREAM_URL, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

async function work() {
  const downstream = await callDownstream();
  await dynamo.send(new ListTablesCommand({}));
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seen: getRequestId(), downstream }) };
}

/** The handler most functions have. */
exports.handler = async () => work();

/** A callback handler (nodejs22.x and older only). */
exports.callback = function (event, context, callback) {
  setTimeout(() => work().then((result) => callback(null, result), callback), 1);
};
