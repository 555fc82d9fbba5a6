import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InstrumentationBase } from '@opentelemetry/instrumentation';
import * as ts from 'typescript';
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

  /**
   * Every name `@rid/otel` exports, values and types, as TypeScript sees `src/index.ts`. A new
   * export is a decision (issue 24: at most 45, what a user can hold in their head); a removal
   * goes in CHANGELOG.md.
   */
  it('exports exactly the public surface, at most 45 names', () => {
    const entry = join(__dirname, '..', 'src', 'index.ts');
    const program = ts.createProgram([entry], { strict: true, skipLibCheck: true, noEmit: true });
    const checker = program.getTypeChecker();
    const exported = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry)!)!).map((s) => s.name);
    const expected = [
      // The parts and the helpers
      'RequestIdInstrumentation', 'withRequestId', 'getRequestId', 'runWithRequestId',
      'RequestIdPropagator', 'RequestIdSpanProcessor', 'RequestIdLogRecordProcessor', 'RequestIdTraceIdGenerator',
      'requestIdMixin', 'requestIdFormat', 'requestIdLogHook', 'DEFAULT_LOG_KEY',
      'RequestIdConfigError', 'DEFAULT_VALIDATION',
      // Names a query writes
      'ATTR_AWS_REQUEST_ID', 'ATTR_AWS_EXTENDED_REQUEST_ID', 'ATTR_AWS_REMAPPED_REQUEST_ID', 'ATTR_AWS_CF_ID',
      'ATTR_AWS_APIGW_ID', 'ATTR_AWS_CALLS_DROPPED', 'AWS_CALL_EVENT',
      'ATTR_DOWNSTREAM_REQUEST_ID', 'ATTR_DOWNSTREAM_CALLS_DROPPED', 'DOWNSTREAM_CALL_EVENT',
      // The types of the options
      'RequestIdInstrumentationConfig', 'RequestIdPropagatorConfig', 'RequestIdSpanProcessorConfig',
      'RequestIdLogRecordProcessorConfig', 'RequestIdLogOptions', 'RequestIdAlgorithm', 'RangeIdOptions',
      'IncomingValidation', 'TrustIncoming', 'RequestIdRule', 'RequestMatcher', 'RequestPredicate',
      'IncomingRequest', 'Http2IncomingRequest', 'LambdaIncomingRequest', 'PropagateTo', 'OutgoingDestination', 'VendorName',
      'CustomVendor', 'TraceResponse',
    ];
    assert.deepEqual([...exported].sort(), [...expected].sort());
    assert.ok(exported.length <= 45, `${exported.length} names`);
  });
});
