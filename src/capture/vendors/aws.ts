import type { Attributes } from '@opentelemetry/api';
import type { ResponseIds, ResponseIdVendor } from '../vendor';

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
/** On the SERVER span: how many `aws.call` events were left off past {@link MAX_AWS_CALL_EVENTS}. */
export const ATTR_AWS_CALLS_DROPPED = 'rid.aws.calls.dropped';
/** At most this many `aws.call` events per incoming request. */
export const MAX_AWS_CALL_EVENTS = 32;

/** AWS IDs are short; a longer value is cut so a broken or hostile endpoint cannot bloat spans. */
const MAX_VALUE_LENGTH = 256;

// Slots 0-2 are the request-ID headers in AWS SDK v3's order of preference.
const SLOT_ID_2 = 3;
const SLOT_REMAPPED = 4;
const SLOT_CF = 5;
const SLOT_APIGW = 6;

/** The IDs found in one response. */
export class AwsIds implements ResponseIds {
  requestId: string | undefined = undefined;
  /** Which of the three request-ID headers gave `requestId` (lower is preferred). */
  requestIdRank = 3;
  extended: string | undefined = undefined;
  remapped: string | undefined = undefined;
  cf: string | undefined = undefined;
  apigw: string | undefined = undefined;

  set(slot: number, raw: string): void {
    const value = raw.length > MAX_VALUE_LENGTH ? raw.slice(0, MAX_VALUE_LENGTH) : raw;
    if (slot < 3) {
      if (slot < this.requestIdRank) {
        this.requestId = value;
        this.requestIdRank = slot;
      }
    } else if (slot === SLOT_ID_2) this.extended ??= value;
    else if (slot === SLOT_REMAPPED) this.remapped ??= value;
    else if (slot === SLOT_CF) this.cf ??= value;
    else this.apigw ??= value;
  }

  toAttributes(): Attributes {
    const attributes: Attributes = {};
    if (this.requestId !== undefined) attributes[ATTR_AWS_REQUEST_ID] = this.requestId;
    if (this.extended !== undefined) attributes[ATTR_AWS_EXTENDED_REQUEST_ID] = this.extended;
    if (this.remapped !== undefined) attributes[ATTR_AWS_REMAPPED_REQUEST_ID] = this.remapped;
    if (this.cf !== undefined) attributes[ATTR_AWS_CF_ID] = this.cf;
    if (this.apigw !== undefined) attributes[ATTR_AWS_APIGW_ID] = this.apigw;
    return attributes;
  }
}

// Every ID header starts with "x-amz" and is 10 ('x-amz-id-2') to 32 characters long.
const MIN_NAME = 10;
const MAX_NAME = 32;

/** AWS: `x-amz*` response headers (the AWS SDK v3 reads the same ones into `$metadata`). */
export const aws: ResponseIdVendor = {
  /** A length check and up to five character-code compares: `x-amz`, any case. */
  mayBeIdName(name: string): boolean {
    const n = name.length;
    return (
      n >= MIN_NAME &&
      n <= MAX_NAME &&
      (name.charCodeAt(0) | 0x20) === 0x78 && // x
      name.charCodeAt(1) === 0x2d && // -
      (name.charCodeAt(2) | 0x20) === 0x61 && // a
      (name.charCodeAt(3) | 0x20) === 0x6d && // m
      (name.charCodeAt(4) | 0x20) === 0x7a // z
    );
  },
  mayBeIdBytes(name: Uint8Array): boolean {
    const n = name.length;
    return (
      n >= MIN_NAME &&
      n <= MAX_NAME &&
      (name[0] | 0x20) === 0x78 &&
      name[1] === 0x2d &&
      (name[2] | 0x20) === 0x61 &&
      (name[3] | 0x20) === 0x6d &&
      (name[4] | 0x20) === 0x7a
    );
  },
  slotOf(lower: string): number {
    switch (lower) {
      case 'x-amzn-requestid':
        return 0;
      case 'x-amzn-request-id':
        return 1;
      case 'x-amz-request-id':
        return 2;
      case 'x-amz-id-2':
        return SLOT_ID_2;
      case 'x-amzn-remapped-x-amzn-requestid':
        return SLOT_REMAPPED;
      case 'x-amz-cf-id':
        return SLOT_CF;
      case 'x-amz-apigw-id':
        return SLOT_APIGW;
      default:
        return -1;
    }
  },
  newIds: () => new AwsIds(),
  callEvent: AWS_CALL_EVENT,
  droppedCallsAttribute: ATTR_AWS_CALLS_DROPPED,
  maxCallEvents: MAX_AWS_CALL_EVENTS,
  sdkScope: '@opentelemetry/instrumentation-aws-sdk',
  sdkRequestHeader: 'amz-sdk-invocation-id',
};
