import { ridVendor } from './vendor';

/** Shopify's `X-Request-Id`, which Shopify asks for in API support requests. */
export const ATTR_SHOPIFY_REQUEST_ID = 'rid.shopify.request_id';

/** Shopify's Admin and Storefront APIs (`<shop>.myshopify.com`). `X-Request-Id` is generic: Shopify's hosts only. */
export const shopify = ridVendor('shopify', ['*.myshopify.com'], false, { request_id: 'x-request-id' });
