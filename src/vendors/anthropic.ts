import { ridVendor } from './vendor';

/** Anthropic's `request-id` (`req_…`), which Anthropic support asks for. */
export const ATTR_ANTHROPIC_REQUEST_ID = 'rid.anthropic.request_id';

/** Anthropic's API. `request-id` is a generic name: read from Anthropic's hosts only. */
export const anthropic = ridVendor('anthropic', ['api.anthropic.com'], false, { request_id: 'request-id' });
