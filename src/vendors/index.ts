import type { ResponseIdVendor } from './vendor';
import { anthropic } from './anthropic';
import { aws } from './aws';
import { azure } from './azure';
import { cloudflare } from './cloudflare';
import { github } from './github';
import { openai } from './openai';
import { shopify } from './shopify';
import { slack } from './slack';
import { stripe } from './stripe';
import { twilio } from './twilio';

/**
 * The built-in table, in the order a response is matched: where two entries name the same header
 * for one host, the first claims it. AWS is governed by `captureAwsRequestIds`, the others by
 * `captureVendorRequestIds`.
 */
export const BUILT_IN_VENDORS: readonly ResponseIdVendor[] = [aws, openai, anthropic, stripe, github, azure, twilio, cloudflare, slack, shopify];

/** The names `captureVendorRequestIds` takes: every built-in but AWS, and the downstream echo. */
export const VENDOR_NAMES = [...BUILT_IN_VENDORS.filter((v) => v !== aws).map((v) => v.name), 'downstream'] as const;
