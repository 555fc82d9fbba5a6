import * as assert from 'node:assert/strict';
import { nodeSdkLogProcessorsFromEnv, usesNodeSdkLogBuilder } from '../../src/internals/sdk-node-logs';

/** Runs `fn` with OTEL_LOGS_EXPORTER set to `value`, then restores it. */
function withLogsExporter<T>(value: string, fn: () => T): T {
  const before = process.env.OTEL_LOGS_EXPORTER;
  process.env.OTEL_LOGS_EXPORTER = value;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.OTEL_LOGS_EXPORTER;
    else process.env.OTEL_LOGS_EXPORTER = before;
  }
}

// NodeSDK's private log set-up (internals/sdk-node-logs.ts). If this sdk-node no longer has it,
// log records lose the request ID under register and withRequestId(): these fail loudly.
describe("internals/sdk-node-logs: NodeSDK's builder of log processors from the environment", () => {
  it('is found on this @opentelemetry/sdk-node (CI runs it on both SDK lines)', () => {
    assert.equal(usesNodeSdkLogBuilder(), true, 'NodeSDK.prototype.configureLoggerProviderFromEnv is gone: log records no longer carry the request ID');
  });

  it("builds exactly what OTEL_LOGS_EXPORTER names: one processor for console, none for none", async () => {
    const built = withLogsExporter('console', () => nodeSdkLogProcessorsFromEnv());
    assert.equal(built?.length, 1);
    await Promise.all(built!.map((p) => p.shutdown()));
    assert.deepEqual(withLogsExporter('none', () => nodeSdkLogProcessorsFromEnv()), []);
  });
});
