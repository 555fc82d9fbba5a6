import { MAX_CALL_EVENTS, type ResponseIdVendor } from './vendor';

/** The request ID a downstream answered with in our own header, when it differs from the one we sent. */
export const ATTR_DOWNSTREAM_REQUEST_ID = 'rid.downstream.request_id';
/** The SERVER span event of a call whose only ID is the downstream's echo. */
export const DOWNSTREAM_CALL_EVENT = 'rid.downstream.call';
/** On the SERVER span: how many `rid.downstream.call` events were left off. */
export const ATTR_DOWNSTREAM_CALLS_DROPPED = 'rid.downstream.calls.dropped';

/**
 * The downstream's echo: our own header (`X-Request-Id`, the configured `headerName`, and each
 * route rule's header) on a response, with a value other than the one the call carried. A service
 * that did not keep ours (it did not trust us, or a gateway rewrote it) logged under that value.
 * Read from every host, but only for calls that carried the header. `headers` are the lower-case
 * header names this package sends, the global one first.
 */
export function downstream(headers: readonly string[]): ResponseIdVendor {
  return {
    name: 'downstream',
    hosts: ['*'],
    anyHost: true,
    ids: headers.map((header, i) => ({ attribute: i === 0 ? ATTR_DOWNSTREAM_REQUEST_ID : `${ATTR_DOWNSTREAM_REQUEST_ID}.${header}`, headers: [header] })),
    callEvent: DOWNSTREAM_CALL_EVENT,
    droppedCallsAttribute: ATTR_DOWNSTREAM_CALLS_DROPPED,
    maxCallEvents: MAX_CALL_EVENTS,
    responseSpanName: 'rid.downstream.response',
    echo: true,
  };
}
