// `npm run demo`: starts the checkout and inventory services under
// `node --require @rid/otel/register`, sends five requests, and shows what a user sees:
// the request ID each response carries, and the spans each service exported, with their
// request and AWS IDs. Without a collector the spans go to the console exporter; with
// OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 they go to Jaeger instead.
const { spawn } = require('node:child_process');
const http = require('node:http');
const { join } = require('node:path');
const { createInterface } = require('node:readline');
const { startLocalS3 } = require('./s3-local');

// Where each span comes from (the console line's `from=`, the instrumentation scope), and whether an
// app that installs only @rid/otel and @opentelemetry/api gets it.
const ORIGINS = {
  '@opentelemetry/instrumentation-http': 'SERVER spans and http/https CLIENT spans (PUT, GET): @rid/otel depends on it, so every app gets them',
  '@rid/otel': "@rid/otel's own spans (HTTP/2, and fetch calls with a vendor ID when nothing else traces fetch): every app",
  '@opentelemetry/instrumentation-undici': 'fetch CLIENT spans: an optional peer of @rid/otel, here from auto-instrumentations-node; install it to get them',
  '@opentelemetry/instrumentation-aws-sdk':
    'AWS SDK operation spans (S3.PutObject): from auto-instrumentations-node, a dev dependency of this clone. An app with only @rid/otel gets the HTTP CLIENT spans under them (PUT, GET) with the same AWS IDs; npm install @opentelemetry/auto-instrumentations-node for these',
};

const toJaeger = Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
const spanLines = [];

function startService(name, script, env) {
  const child = spawn(process.execPath, ['--require', '@rid/otel/register', join(__dirname, script)], {
    cwd: __dirname,
    env: {
      ...process.env,
      OTEL_SERVICE_NAME: name,
      OTEL_TRACES_EXPORTER: toJaeger ? 'otlp' : 'console',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{"listening"')) resolve({ child, url: `http://127.0.0.1:${JSON.parse(line).listening}` });
      else if (line.startsWith('[span]') || line.startsWith('         event')) spanLines.push(`${name.padEnd(9)} ${line}`);
    });
  });
}

function request(url, headers = {}) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, id: res.headers['x-request-id'], body: JSON.parse(body) }));
      })
      .on('error', reject);
  });
}

async function main() {
  const s3 = await startLocalS3();
  const inventory = await startService('inventory', 'inventory.js');
  const checkout = await startService('checkout', 'service.js', { INVENTORY_URL: inventory.url, S3_ENDPOINT: s3.endpoint });
  const cases = [
    ['no ID: one is generated', '/', {}],
    ['with an ID: it is kept', '/', { 'X-Request-Id': 'demo-client-id-42' }],
    ['an invalid ID: replaced, kept in request.id.original', '/', { 'X-Request-Id': 'bad id <script>' }],
    ['fan-out: the same ID reaches inventory (http.get and fetch)', '/fanout', {}],
    ['S3 on a local s3rver: AWS IDs on the spans', '/s3', {}],
  ];
  console.log(`\n@rid/otel demo: checkout at ${checkout.url}, inventory at ${inventory.url}, local S3 at ${s3.endpoint}\n`);
  const ids = [];
  for (const [title, path, headers] of cases) {
    const sent = headers['X-Request-Id'] ? ` -H 'X-Request-Id: ${headers['X-Request-Id']}'` : '';
    const res = await request(checkout.url + path, headers);
    ids.push(res.id);
    console.log(`# ${title}\n$ curl -i ${checkout.url}${path}${sent}\nHTTP/1.1 ${res.status}\nX-Request-Id: ${res.id}`);
    if (path === '/fanout') console.log(`  inventory received X-Request-Id: ${res.body.inventoryViaHttp.received} (http.get), ${res.body.inventoryViaFetch.received} (fetch)`);
    if (path === '/s3') console.log(`  S3 answered: ${JSON.stringify(res.body.body)}; its x-amz-request-id: ${res.body.s3RequestId}`);
    console.log('');
  }
  await new Promise((r) => setTimeout(r, 400));
  for (const svc of [checkout, inventory]) svc.child.removeAllListeners('exit');
  const exits = [checkout, inventory].map((svc) => new Promise((r) => svc.child.once('exit', r)));
  checkout.child.kill('SIGTERM');
  inventory.child.kill('SIGTERM');
  await Promise.all(exits);
  await s3.close();
  if (toJaeger) {
    console.log('Spans were sent to your OTLP endpoint. In Jaeger (http://localhost:16686), search for the tag');
    console.log(`  request.id=${ids[3]}\nto see the fan-out across checkout and inventory.`);
  } else {
    console.log('Spans the services exported (OTEL_TRACES_EXPORTER=console; one line per span):');
    for (const line of spanLines) console.log(line);
    const seen = [...new Set(spanLines.map((l) => / from=(\S+)/.exec(l)?.[1]).filter(Boolean))];
    console.log('\nWhere the spans come from (from=):');
    for (const scope of seen) console.log(`  ${scope}: ${ORIGINS[scope] ?? 'another instrumentation of auto-instrumentations-node (a dev dependency of this clone)'}`);
    console.log('\nIn Jaeger, the same spans are found by the tag request.id=<id>: see examples/jaeger/README.md.');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
