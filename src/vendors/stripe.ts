import { ridVendor } from './vendor';

/** Stripe's `Request-Id` (`req_…`), which Stripe support and its Dashboard logs use. */
export const ATTR_STRIPE_REQUEST_ID = 'rid.stripe.request_id';

/** Stripe: api.stripe.com, files.stripe.com, meter-events.stripe.com… `Request-Id` is generic: Stripe's hosts only. */
export const stripe = ridVendor('stripe', ['*.stripe.com'], false, { request_id: 'request-id' });
