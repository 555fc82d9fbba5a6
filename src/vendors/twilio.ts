import { ridVendor } from './vendor';

/** Twilio's `Twilio-Request-Id` (`RQ…`), which Twilio support asks for. */
export const ATTR_TWILIO_REQUEST_ID = 'rid.twilio.request_id';

/** Twilio: api.twilio.com and the product hosts (verify., messaging., …). */
export const twilio = ridVendor('twilio', ['*.twilio.com'], false, { request_id: 'twilio-request-id' });
