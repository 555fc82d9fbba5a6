/**
 * A real `@grpc/grpc-js` server and client on 127.0.0.1 (port 0, insecure credentials), with no
 * .proto file: one hand-written service, `rid.test.Echo`, whose messages are JSON in Buffers.
 *
 * `Echo/Unary` answers the request it got together with the metadata the server received, so a
 * test can assert on what arrived (`x-request-id`, `traceparent`) from the caller's side; the
 * server also records every call in `calls`.
 *
 * grpc-js is required when `startGrpc()` runs, not when this module is imported: a test can
 * enable `@opentelemetry/instrumentation-grpc` (which patches grpc-js as it is required) first.
 */
import type * as grpcTypes from '@grpc/grpc-js';
import { getRequestId } from '../../src';

export const ECHO_SERVICE = 'rid.test.Echo';
export const UNARY_PATH = `/${ECHO_SERVICE}/Unary`;

export interface EchoRequest {
  [key: string]: unknown;
}

export interface EchoReply {
  /** The request as the server decoded it. */
  request: EchoRequest;
  /** The metadata the server received: each key's values (strings; binary `-bin` keys as base64). */
  metadata: Record<string, string[]>;
}

/** One call as the server saw it. */
export interface GrpcCall {
  path: string;
  /** What `getRequestId()` returned in the server's handler. */
  requestId: string | undefined;
  request: EchoRequest;
  metadata: Record<string, string[]>;
}

export interface GrpcFixture {
  grpc: typeof grpcTypes;
  server: grpcTypes.Server;
  /** `127.0.0.1:<port>` */
  address: string;
  port: number;
  /** A client connected to the server (insecure). */
  client: grpcTypes.Client;
  calls: GrpcCall[];
  /**
   * `Echo/Unary` through `client`; `metadata` entries are added to the call's metadata.
   * Resolves with the reply (the request and the metadata the server received).
   */
  unary(request?: EchoRequest, metadata?: Record<string, string>, options?: grpcTypes.CallOptions): Promise<EchoReply>;
  /** A gRPC error status for the next n calls (e.g. grpc.status.UNAVAILABLE), then normal answers. */
  failNext(code: grpcTypes.status, n?: number): void;
  close(): Promise<void>;
}

const json = {
  serialize: (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8'),
  deserialize: (buffer: Buffer): never => JSON.parse(buffer.toString('utf8')) as never,
};

/** The service definition grpc-js builds from a .proto, written by hand. */
export const echoServiceDefinition = {
  Unary: {
    path: UNARY_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
    originalName: 'unary',
  },
} satisfies grpcTypes.ServiceDefinition;

function metadataObject(metadata: grpcTypes.Metadata): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const key of Object.keys(metadata.getMap())) {
    out[key] = metadata.get(key).map((v) => (Buffer.isBuffer(v) ? v.toString('base64') : String(v)));
  }
  return out;
}

export async function startGrpc(): Promise<GrpcFixture> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const grpc = require('@grpc/grpc-js') as typeof grpcTypes;
  const calls: GrpcCall[] = [];
  const failures: grpcTypes.status[] = [];
  const server = new grpc.Server();
  server.addService(echoServiceDefinition, {
    Unary(call: grpcTypes.ServerUnaryCall<EchoRequest, EchoReply>, callback: grpcTypes.sendUnaryData<EchoReply>) {
      const metadata = metadataObject(call.metadata);
      calls.push({ path: UNARY_PATH, requestId: getRequestId(), request: call.request, metadata });
      const code = failures.shift();
      if (code !== undefined) {
        callback({ code, details: `scripted failure ${code}` });
        return;
      }
      callback(null, { request: call.request, metadata });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const address = `127.0.0.1:${port}`;
  const Client = grpc.makeGenericClientConstructor(echoServiceDefinition, ECHO_SERVICE);
  const client = new Client(address, grpc.credentials.createInsecure());
  return {
    grpc,
    server,
    address,
    port,
    client,
    calls,
    unary(request = {}, metadata = {}, options = {}) {
      const md = new grpc.Metadata();
      for (const [key, value] of Object.entries(metadata)) md.add(key, value);
      return new Promise<EchoReply>((resolve, reject) => {
        (client as unknown as Record<string, (...args: unknown[]) => void>).Unary(request, md, options, (err: Error | null, reply: EchoReply) =>
          err ? reject(err) : resolve(reply),
        );
      });
    },
    failNext(code, n = 1) {
      for (let i = 0; i < n; i++) failures.push(code);
    },
    close: () =>
      new Promise<void>((resolve) => {
        client.close();
        server.tryShutdown(() => resolve());
        // A call still open would hold tryShutdown; never wait more than a second.
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000).unref();
      }),
  };
}
