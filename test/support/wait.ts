import * as assert from 'node:assert/strict';

/**
 * Polls `probe` until it returns something other than `undefined` or `false`, and returns that;
 * fails the test after `timeoutMs`. Spans end on the response's `end`, a tick or more after the
 * caller has its answer.
 */
export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
