// A function's own SDK set-up, as docs/lambda.md gives it: NodeSDK with withRequestId(), preloaded
// with NODE_OPTIONS=--require ./tracing.js.
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { AwsLambdaInstrumentation } = require('@opentelemetry/instrumentation-aws-lambda');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { withRequestId } = require('../../../build/src');

new NodeSDK(withRequestId({ instrumentations: [new HttpInstrumentation(), new AwsLambdaInstrumentation()] })).start();
// The nodejs24.x runtime loads the handler with import(), which the instrumentations' require hooks
// do not see: loaded here first, it is patched, and import() takes it from require's cache.
require('./index.js');
