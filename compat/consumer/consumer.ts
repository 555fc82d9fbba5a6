/**
 * A TypeScript consumer of the published types (the packed tarball's .d.ts files): compiled with
 * `tsc --noEmit`, strict, in CommonJS (node10) and in ESM (nodenext) resolution.
 */
import {
  getRequestId,
  RequestIdConfigError,
  RequestIdInstrumentation,
  RequestIdPropagator,
  RequestIdSpanProcessor,
  runWithRequestId,
  type RequestIdInstrumentationConfig,
  type RequestIdRule,
} from '@rid/otel';

const rules: RequestIdRule[] = [{ match: '/anything', headerName: 'Route-Request-ID' }];
const config: RequestIdInstrumentationConfig = {
  headerName: 'X-Request-Id',
  algorithm: 'uuidv7',
  trustIncoming: ['10.0.0.0/8'],
  propagateTo: ['*.internal.example.com'],
  rules,
};
const instrumentation: RequestIdInstrumentation = new RequestIdInstrumentation(config);
instrumentation.disable();

const id: string | undefined = getRequestId();
const fromRule: string | undefined = getRequestId('Route-Request-ID');
const n: number = runWithRequestId('job-1', () => 42);
new RequestIdPropagator({ baggage: true });
new RequestIdSpanProcessor({ attributeName: 'request.id' });
const err: Error = new RequestIdConfigError('algorithm', 'uuid4', 'one of …');

// @ts-expect-error: an unknown algorithm is a type error
new RequestIdInstrumentation({ algorithm: 'uuid4' });

export { id, fromRule, n, err };
