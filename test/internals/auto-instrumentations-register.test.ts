import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { registerLayoutKnown } from '../../src/internals/auto-instrumentations-register';
import { cleanEnv, ensureBuilt, ROOT } from '../support/child-app';

const run = promisify(execFile);

/** What `autoInstrumentationsRegisterLoaded` says in a fresh Node started with `nodeArgs`. */
async function loadedIn(nodeArgs: string[]): Promise<string> {
  const module = join(ROOT, 'build', 'src', 'internals', 'auto-instrumentations-register.js');
  const script = `console.log(require(${JSON.stringify(module)}).autoInstrumentationsRegisterLoaded(process.cwd()))`;
  const env = cleanEnv({ OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' });
  const { stdout } = await run(process.execPath, [...nodeArgs, '-e', script], { cwd: ROOT, env });
  return stdout.trim();
}

// auto-instrumentations-node's build layout (internals/auto-instrumentations-register.ts). If a
// release moves its register file, register's advice to start with @rid/otel/register alone
// depends on the fallback: this fails loudly.
describe("internals/auto-instrumentations-register: another package's register file in require.cache", () => {
  it("the installed auto-instrumentations-node's ./register export has the build layout we look for", () => {
    assert.equal(registerLayoutKnown(ROOT), true, "@opentelemetry/auto-instrumentations-node/register resolves to a file outside build/src or dist: the probe falls back");
  });

  it('a real process: true after --require of its register, false without it', async function () {
    this.timeout(60000);
    ensureBuilt();
    assert.equal(await loadedIn(['--require', '@opentelemetry/auto-instrumentations-node/register']), 'true');
    assert.equal(await loadedIn([]), 'false');
  });
});
