/**
 * Loaded by mocha before any test file (.mocharc.json `require`), so before mocha defines `it` and
 * `describe`: @opentelemetry/instrumentation then takes this for an app, not a mocha run, and all
 * instrumentations share one require-in-the-middle hook, as in production. Under mocha it makes a
 * new hook per instrumentation instead (its RequireInTheMiddleSingleton), each a layer around every
 * `require` call: the suite's ~250 instances overflowed the stack on Node 24 (SDK 3.x).
 */
import '@opentelemetry/instrumentation';
