import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const fixture = join(__dirname, 'fixtures', 'construction-order.ts');

async function app(mode: string): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, ['-r', 'ts-node/register/transpile-only', fixture, mode], {
    cwd: join(__dirname, '..'),
    timeout: 30000,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

describe('cooperation with HttpInstrumentation (separate processes)', () => {
  for (const mode of ['http-first', 'rid-first']) {
    it(`${mode}: both SERVER and CLIENT spans exist and the SERVER span carries the echoed ID`, async () => {
      const seen = await app(mode);
      assert.match(seen.echo as string, /^[0-9a-f-]{36}$/);
      assert.equal(seen.body, seen.echo);
      assert.equal(seen.serverSpans, 1);
      assert.equal(seen.clientSpans, 1);
      assert.equal(seen.serverAttribute, seen.echo);
    });
  }

  it('without HttpInstrumentation: the echo and getRequestId() still work, and no spans are made', async () => {
    const seen = await app('no-http');
    assert.match(seen.echo as string, /^[0-9a-f-]{36}$/);
    assert.equal(seen.body, seen.echo);
    assert.equal(seen.serverSpans, 0);
  });
});
