import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InstrumentationBase } from '@opentelemetry/instrumentation';
import * as api from '../src';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../src/version';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));

describe('package', () => {
  it('reports the name and version of package.json as the instrumentation scope', () => {
    assert.equal(PACKAGE_NAME, pkg.name);
    assert.equal(PACKAGE_VERSION, pkg.version);
    const inst = new api.RequestIdInstrumentation();
    inst.disable();
    assert.equal(inst.instrumentationName, '@rid/otel');
    assert.equal(inst.instrumentationVersion, pkg.version);
    assert.ok(inst instanceof InstrumentationBase);
  });

  it('keeps @opentelemetry/api a peer dependency, not a runtime one', () => {
    assert.ok(pkg.peerDependencies['@opentelemetry/api']);
    assert.equal(pkg.dependencies['@opentelemetry/api'], undefined);
  });

  it('keeps sdk-node, instrumentation-undici, core and resources optional peers, resolved from the app (docs/dependencies.md)', () => {
    for (const name of ['@opentelemetry/sdk-node', '@opentelemetry/instrumentation-undici', '@opentelemetry/core', '@opentelemetry/resources']) {
      assert.equal(pkg.dependencies[name], undefined, `${name} is no dependency: its pins (or ours) would bring second copies`);
      assert.ok(pkg.peerDependencies[name], `${name} is a peer`);
      assert.equal(pkg.peerDependenciesMeta?.[name]?.optional, true, `${name} is an optional peer`);
    }
  });

  it('pins typescript to ~6.0 (TypeScript 7 has no compiler API for ts-node)', () => {
    assert.match(pkg.devDependencies.typescript, /^~6\.0/);
  });
});
