import { ridVendor } from './vendor';

/** Slack's `x-slack-req-id`, which Slack support asks for. */
export const ATTR_SLACK_REQUEST_ID = 'rid.slack.request_id';

/** Slack's Web API (slack.com/api) and hooks.slack.com. */
export const slack = ridVendor('slack', ['slack.com', '*.slack.com'], false, { request_id: 'x-slack-req-id' });
