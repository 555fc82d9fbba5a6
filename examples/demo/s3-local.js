// A local S3 for the demo: s3rver, behind a small proxy that adds the two ID headers real S3
// sends on every response (s3rver sends neither): x-amz-request-id and x-amz-id-2.
const { randomBytes } = require('node:crypto');
const { mkdtempSync, rmSync } = require('node:fs');
const http = require('node:http');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const S3rver = require('s3rver');

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

async function startLocalS3() {
  const directory = mkdtempSync(join(tmpdir(), 'rid-demo-s3-'));
  const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port: s3Port } = await s3rver.run();
  const proxy = http.createServer((req, res) => {
    const upstream = http.request({ host: '127.0.0.1', port: s3Port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      const id = [...randomBytes(16)].map((b) => ALPHANUMERIC[b % 36]).join('');
      res.writeHead(up.statusCode, { ...up.headers, 'x-amz-request-id': id, 'x-amz-id-2': randomBytes(56).toString('base64') });
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${proxy.address().port}`,
    async close() {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
      await s3rver.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

module.exports = { startLocalS3 };
