// An existing OTel set-up, with request IDs added by one call:
//   node --require ./examples/existing-sdk/tracing.js examples/existing-sdk/app.js
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { getNodeAutoInstrumentations } = require('@opentelemetry/auto-instrumentations-node');
const { withRequestId } = require('@rid/otel');

// withRequestId adds RequestIdInstrumentation, RequestIdSpanProcessor and RequestIdPropagator
// to what you already have. The exporter still comes from OTEL_TRACES_EXPORTER and friends.
const sdk = new NodeSDK(
  withRequestId({
    instrumentations: [getNodeAutoInstrumentations({ '@opentelemetry/instrumentation-fs': { enabled: false } })],
  }),
);
sdk.start();
process.on('SIGTERM', () => sdk.shutdown().finally(() => process.exit(0)));
