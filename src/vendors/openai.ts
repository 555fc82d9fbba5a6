import { ridVendor } from './vendor';

/** OpenAI's `x-request-id` (`req_…`), which OpenAI support asks for. */
export const ATTR_OPENAI_REQUEST_ID = 'rid.openai.request_id';

/** OpenAI's API. `x-request-id` is a generic name: read from OpenAI's hosts only. */
export const openai = ridVendor('openai', ['api.openai.com'], false, { request_id: 'x-request-id' });
