/**
 * A local h2c server (`http2.createServer`, 127.0.0.1, port 0) that plays Bedrock Runtime for the
 * real `@aws-sdk/client-bedrock-runtime`: the client sends every operation through the SDK's
 * `NodeHttp2Handler`, which speaks h2c to an `http://` endpoint (`bedrockClient()` below).
 *
 * It records what each request received (path, headers: `x-request-id`, `traceparent`, ...) and
 * answers as Bedrock does, with `x-amzn-requestid` on every response:
 *   - `POST /model/{id}/converse`: 200 and a Converse JSON body;
 *   - `POST /model/{id}/converse-stream`: 200 and an `application/vnd.amazon.eventstream` body
 *     (messageStart, contentBlockDelta..., contentBlockStop, messageStop, metadata), framed with
 *     the SDK's own codec (`@smithy/eventstream-codec`);
 *   - scripted faults first: `throttleNext(n)` answers the next n requests with a 429
 *     `ThrottlingException` (`x-amzn-ErrorType`, JSON `{ message }`), which the SDK retries.
 */
import { randomUUID } from 'node:crypto';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { BedrockRuntimeClient, type BedrockRuntimeClientConfig } from '@aws-sdk/client-bedrock-runtime';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { ConfiguredRetryStrategy } from '@smithy/util-retry';

// The SDK's notice on Node 20 is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const BEDROCK_REGION = 'us-east-1';
export const BEDROCK_CREDENTIALS = { accessKeyId: 'AKIDFAKEFAKEFAKE', secretAccessKey: 'fake-secret-fake-secret' };
export const BEDROCK_MODEL_ID = 'anthropic.claude-3-haiku-20240307-v1:0';

/** What one request (one attempt) brought to the server, and what it was answered. */
export interface BedrockHit {
  method: string;
  path: string;
  /** `converse`, `converse-stream` or `other` (from the path). */
  operation: 'converse' | 'converse-stream' | 'other';
  /** The request headers as received (lower-case names, pseudo-headers included). */
  headers: http2.IncomingHttpHeaders;
  /** `headers['x-request-id']`, `headers.traceparent`: the two the tests look at. */
  requestIdHeader: string | undefined;
  traceparent: string | undefined;
  body: string;
  /** What the server answered. */
  status: number;
  /** The `x-amzn-requestid` the server sent back. */
  awsRequestId: string;
  errorType?: string;
}

export interface BedrockH2Server {
  /** `http://127.0.0.1:<port>`: the client's `endpoint`. */
  endpoint: string;
  port: number;
  server: http2.Http2Server;
  /** Every request received, in order of arrival (recorded when its body has been read). */
  hits: BedrockHit[];
  /** The next `n` requests get a 429 ThrottlingException (default 1). */
  throttleNext(n?: number): void;
  /** The text chunks a ConverseStream answer sends as contentBlockDelta events (default ['Hello', ' from', ' h2']). */
  streamText: string[];
  /** The text a Converse answer carries (default 'Hello from h2'). */
  converseText: string;
  close(): Promise<void>;
}

/** The event-stream framing the client decodes with (UTF-8 through Buffer). */
const codec = new EventStreamCodec(
  (input: Uint8Array | string) => (typeof input === 'string' ? input : Buffer.from(input).toString('utf8')),
  (input: string) => new Uint8Array(Buffer.from(input, 'utf8')),
);

/** One `:message-type event` frame of a Bedrock ConverseStream answer. */
export function eventFrame(eventType: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: new Uint8Array(Buffer.from(JSON.stringify(payload), 'utf8')),
  });
}

/** The JSON body of a Converse 200. */
export function converseBody(text: string): string {
  return JSON.stringify({
    output: { message: { role: 'assistant', content: [{ text }] } },
    stopReason: 'end_turn',
    usage: { inputTokens: 5, outputTokens: 4, totalTokens: 9 },
    metrics: { latencyMs: 12 },
  });
}

/** Starts the server; `close()` it in `after`. */
export async function startBedrockH2(): Promise<BedrockH2Server> {
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => {});
  });
  let throttles = 0;
  const state: BedrockH2Server = {
    endpoint: '',
    port: 0,
    server,
    hits: [],
    throttleNext(n = 1) {
      throttles += n;
    },
    streamText: ['Hello', ' from', ' h2'],
    converseText: 'Hello from h2',
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };

  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const path = String(headers[':path'] ?? '');
      const operation = /\/converse-stream$/.test(path) ? 'converse-stream' : /\/converse$/.test(path) ? 'converse' : 'other';
      const awsRequestId = randomUUID();
      const hit: BedrockHit = {
        method: String(headers[':method']),
        path,
        operation,
        headers,
        requestIdHeader: headers['x-request-id'] as string | undefined,
        traceparent: headers.traceparent as string | undefined,
        body: Buffer.concat(chunks).toString('utf8'),
        status: 200,
        awsRequestId,
      };
      state.hits.push(hit);
      if (stream.destroyed) return;
      if (throttles > 0) {
        throttles--;
        hit.status = 429;
        hit.errorType = 'ThrottlingException';
        stream.respond({
          ':status': 429,
          'content-type': 'application/json',
          'x-amzn-requestid': awsRequestId,
          'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/',
        });
        stream.end(JSON.stringify({ message: 'Too many requests, please wait before trying again.' }));
        return;
      }
      if (operation === 'converse') {
        stream.respond({ ':status': 200, 'content-type': 'application/json', 'x-amzn-requestid': awsRequestId });
        stream.end(converseBody(state.converseText));
        return;
      }
      if (operation === 'converse-stream') {
        stream.respond({ ':status': 200, 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': awsRequestId });
        const frames = [
          eventFrame('messageStart', { role: 'assistant' }),
          ...state.streamText.map((text) => eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text } })),
          eventFrame('contentBlockStop', { contentBlockIndex: 0 }),
          eventFrame('messageStop', { stopReason: 'end_turn' }),
          eventFrame('metadata', { usage: { inputTokens: 5, outputTokens: 3, totalTokens: 8 }, metrics: { latencyMs: 7 } }),
        ];
        // One frame per DATA write, a tick apart: the client must reassemble a real stream.
        let i = 0;
        const next = (): void => {
          if (stream.destroyed) return;
          if (i === frames.length) {
            stream.end();
            return;
          }
          stream.write(frames[i++]);
          setImmediate(next);
        };
        next();
        return;
      }
      hit.status = 404;
      hit.errorType = 'UnknownOperationException';
      stream.respond({ ':status': 404, 'content-type': 'application/json', 'x-amzn-requestid': awsRequestId, 'x-amzn-errortype': 'UnknownOperationException' });
      stream.end(JSON.stringify({ message: `no such operation: ${path}` }));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.endpoint = `http://127.0.0.1:${state.port}`;
  return state;
}

/**
 * The real Bedrock Runtime client pointed at the server: static fake credentials, us-east-1, and a
 * fast retry strategy (3 attempts, 10 ms apart) so that a throttled call retries at once.
 */
export function bedrockClient(endpoint: string, config: Partial<BedrockRuntimeClientConfig> = {}): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    endpoint,
    region: BEDROCK_REGION,
    credentials: BEDROCK_CREDENTIALS,
    retryStrategy: new ConfiguredRetryStrategy(3, 10),
    ...config,
  });
}

/** Mocha hooks in the calling `describe`: a fresh stand-in and client per test, closed after it. */
export function useBedrockH2(): { readonly bedrock: BedrockH2Server; readonly client: BedrockRuntimeClient } {
  const current = {} as { bedrock: BedrockH2Server; client: BedrockRuntimeClient };
  beforeEach(async () => {
    current.bedrock = await startBedrockH2();
    current.client = bedrockClient(current.bedrock.endpoint);
  });
  afterEach(async () => {
    current.client.destroy();
    await current.bedrock.close();
  });
  return current;
}
