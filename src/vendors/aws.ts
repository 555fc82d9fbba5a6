import { MAX_CALL_EVENTS, type ResponseIdVendor } from './vendor';

/** Semconv: the request ID, from `x-amzn-requestid`, else `x-amzn-request-id`, else `x-amz-request-id` (AWS SDK v3's order). */
export const ATTR_AWS_REQUEST_ID = 'aws.request_id';
/** Semconv (1.30+): S3's extended request ID, from `x-amz-id-2`. AWS support wants it next to `aws.request_id`. */
export const ATTR_AWS_EXTENDED_REQUEST_ID = 'aws.extended_request_id';
// The names below are not in the semantic conventions, which own `aws.*`: they live under this
// package's own `rid.` prefix, so that a future convention can never clash with them.
/** The upstream service's ID when API Gateway proxies an AWS service: `x-amzn-remapped-x-amzn-requestid`. */
export const ATTR_AWS_REMAPPED_REQUEST_ID = 'rid.aws.remapped_request_id';
/** CloudFront's request ID: `x-amz-cf-id`. */
export const ATTR_AWS_CF_ID = 'rid.aws.cf_id';
/** API Gateway's extended ID: `x-amz-apigw-id`. */
export const ATTR_AWS_APIGW_ID = 'rid.aws.apigw_id';
/** The SERVER span event recorded once per AWS HTTP response received while serving the request. */
export const AWS_CALL_EVENT = 'aws.call';
/** On the SERVER span: how many `aws.call` events were left off past {@link MAX_CALL_EVENTS}. */
export const ATTR_AWS_CALLS_DROPPED = 'rid.aws.calls.dropped';

/**
 * AWS: the `x-amz*` response headers the AWS SDK v3 reads into `$metadata`, and the API Gateway
 * and CloudFront ones. The names are AWS's own, so they are read from any host: S3 and DynamoDB
 * endpoints under `amazonaws.com`, but also VPC endpoints, custom domains, LocalStack and the
 * emulators the tests run on 127.0.0.1.
 */
export const aws: ResponseIdVendor = {
  name: 'aws',
  hosts: ['*.amazonaws.com', '*.amazonaws.com.cn', '*.api.aws', '*.cloudfront.net'],
  anyHost: true,
  ids: [
    { attribute: ATTR_AWS_REQUEST_ID, headers: ['x-amzn-requestid', 'x-amzn-request-id', 'x-amz-request-id'] },
    { attribute: ATTR_AWS_EXTENDED_REQUEST_ID, headers: ['x-amz-id-2'] },
    { attribute: ATTR_AWS_REMAPPED_REQUEST_ID, headers: ['x-amzn-remapped-x-amzn-requestid'] },
    { attribute: ATTR_AWS_CF_ID, headers: ['x-amz-cf-id'] },
    { attribute: ATTR_AWS_APIGW_ID, headers: ['x-amz-apigw-id'] },
  ],
  callEvent: AWS_CALL_EVENT,
  droppedCallsAttribute: ATTR_AWS_CALLS_DROPPED,
  maxCallEvents: MAX_CALL_EVENTS,
  responseSpanName: 'aws.response',
  sdk: { scope: '@opentelemetry/instrumentation-aws-sdk', requestHeader: 'amz-sdk-invocation-id' },
};
