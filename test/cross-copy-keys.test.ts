import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as keys from '../src/cross-copy-keys';
import { ROOT } from './support/child-app';

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('cross-copy keys (src/cross-copy-keys.ts)', () => {
  it('are the only Symbol.for keys of ours in src/: one module holds the contract between copies', () => {
    // Ours are every Symbol.for but the OTel API's own context key, read in internals/otel.ts.
    const ours = /Symbol\.for\((?!'OpenTelemetry Context Key )/;
    const elsewhere = sources(join(ROOT, 'src'))
      .filter((file) => !file.endsWith('cross-copy-keys.ts') && ours.test(readFileSync(file, 'utf8')))
      .map((file) => relative(ROOT, file));
    assert.deepEqual(elsewhere, [], 'a Symbol.for key outside src/cross-copy-keys.ts');
  });

  it("keep the strings released copies use: an older copy and this one share each slot (a changed shape takes a new version)", () => {
    const strings = (Object.values(keys) as unknown[])
      .filter((v): v is symbol => typeof v === 'symbol')
      .map((s) => Symbol.keyFor(s))
      .sort();
    assert.deepEqual(strings, [
      '@rid/otel.append-at-head.v1',
      '@rid/otel.aws-context',
      '@rid/otel.aws-operation',
      '@rid/otel.aws-own',
      '@rid/otel.aws-start',
      '@rid/otel.aws-state',
      '@rid/otel.decision',
      '@rid/otel.h2-call',
      '@rid/otel.h2-exchange',
      '@rid/otel.http2-client-calls.v1',
      '@rid/otel.http2-hooks.v3',
      '@rid/otel.injected',
      '@rid/otel.next-trace-id.v1',
      '@rid/otel.propagate-to-policies',
      '@rid/otel.request-id-storage',
      '@rid/otel.request-state',
      '@rid/otel.span-listener',
      '@rid/otel.trace-response.v1',
      '@rid/otel.vendor-calls',
      '@rid/otel.vendor-table',
    ]);
  });

  it('sharedSlot makes a slot once per process, whoever asks first', () => {
    const key = Symbol.for('@rid/otel.test-slot');
    try {
      const first = keys.sharedSlot(key, () => ({ made: 1 }));
      const second = keys.sharedSlot(key, () => ({ made: 2 }));
      assert.equal(second, first);
      assert.equal((globalThis as unknown as Record<symbol, unknown>)[key], first);
    } finally {
      delete (globalThis as unknown as Record<symbol, unknown>)[key];
    }
  });
});
