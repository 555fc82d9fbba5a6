/**
 * Local stand-ins for AWS, all on 127.0.0.1 and port 0, so nothing reaches the internet:
 * s3rver (S3) behind a pass-through proxy that adds the ID headers real S3 sends and s3rver does
 * not, dynalite (DynamoDB, which sends a real `x-amzn-RequestId`), and SDK v3 clients for them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

// The SDKs' own notices (v3 on Node 20, v2's end of support) are noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= '1';

export const REGION = 'us-east-1';
/** s3rver's built-in account (it checks the access key); fake, like every credential here. */
export const FAKE_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface Emulator {
  /** `http://127.0.0.1:<port>`: what clients call. */
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

export interface S3Emulator extends Emulator {
  /** The IDs the proxy sent, one per response, in order. */
  sent: { requestId: string; extendedRequestId: string }[];
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Like S3's `x-amz-request-id`: 16 uppercase alphanumerics, fresh per response. */
export function s3RequestId(): string {
  const bytes = randomBytes(16);
  let id = '';
  for (const b of bytes) id += ALPHANUMERIC[b % ALPHANUMERIC.length];
  return id;
}

/** Like S3's `x-amz-id-2`: base64. */
export function s3ExtendedRequestId(): string {
  return randomBytes(56).toString('base64');
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

/** s3rver in a temp dir, fronted by a proxy that adds `x-amz-request-id` and `x-amz-id-2` to every response. */
export async function startS3(): Promise<S3Emulator> {
  const directory = mkdtempSync(join(tmpdir(), 'rid-s3rver-'));
  const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port: s3Port } = await s3rver.run();
  const upstreamAgent = new http.Agent({ keepAlive: true });
  const sent: S3Emulator['sent'] = [];
  const proxy = http.createServer((req, res) => {
    const upstream = http.request(
      { host: '127.0.0.1', port: s3Port, method: req.method, path: req.url, headers: req.headers, agent: upstreamAgent },
      (up) => {
        const ids = { requestId: s3RequestId(), extendedRequestId: s3ExtendedRequestId() };
        sent.push(ids);
        const headers: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(up.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
        headers['x-amz-request-id'] = ids.requestId;
        headers['x-amz-id-2'] = ids.extendedRequestId;
        res.writeHead(up.statusCode ?? 502, headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.statusCode = 502;
      res.end();
    });
    req.pipe(upstream);
  });
  const port = await listen(proxy);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    sent,
    close: async () => {
      await closeServer(proxy);
      upstreamAgent.destroy();
      await s3rver.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** dynalite, in memory; tables are ACTIVE at once. */
export async function startDynamo(): Promise<Emulator> {
  // dynalite ships no types.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require('dynalite') as (options: Record<string, unknown>) => http.Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const port = await listen(server);
  return { endpoint: `http://127.0.0.1:${port}`, port, close: () => closeServer(server) };
}

/** An AWS-like endpoint: answers through `handler`, which sets whatever ID headers the test wants. */
export async function startEndpoint(handler: http.RequestListener): Promise<Emulator> {
  const server = http.createServer(handler);
  const port = await listen(server);
  return { endpoint: `http://127.0.0.1:${port}`, port, close: () => closeServer(server) };
}

/** A fresh UUID, as `x-amzn-RequestId` carries. */
export const amznRequestId = randomUUID;

export function s3Client(endpoint: string, extra: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({
    endpoint,
    region: REGION,
    credentials: FAKE_CREDENTIALS,
    forcePathStyle: true,
    // s3rver predates the SDK's default flexible checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...extra,
  });
}

export function dynamoClient(endpoint: string, extra: Partial<DynamoDBClientConfig> = {}): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: REGION, credentials: FAKE_CREDENTIALS, ...extra });
}
