import type { RequestListener } from 'node:http';
import { RequestIdInstrumentation, type RequestIdInstrumentationConfig } from '../../src';
import { startServer, type TestServer } from './http';
import { resetSpans } from './otel';

export interface TestScope {
  /** A RequestIdInstrumentation that is disabled after the test. */
  instrument(config?: RequestIdInstrumentationConfig): RequestIdInstrumentation;
  /** A real server on 127.0.0.1:0 that is closed after the test. */
  serve(handler: RequestListener): Promise<TestServer>;
}

/**
 * Registers mocha hooks in the calling `describe`: spans and diag lines are reset before each
 * test; instrumentations and servers made through the scope are undone after it.
 */
export function useTestScope(): TestScope {
  let instrumentations: RequestIdInstrumentation[] = [];
  let servers: TestServer[] = [];
  beforeEach(() => resetSpans());
  afterEach(async () => {
    for (const inst of instrumentations) inst.disable();
    instrumentations = [];
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });
  return {
    instrument(config) {
      const inst = new RequestIdInstrumentation(config);
      instrumentations.push(inst);
      return inst;
    },
    async serve(handler) {
      const server = await startServer(handler);
      servers.push(server);
      return server;
    },
  };
}
