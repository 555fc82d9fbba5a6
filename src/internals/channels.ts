/**
 * The diagnostics channels this package listens on, by name, in one place. Each is public Node or
 * undici API; the comment says when it fires, which is what the code that listens relies on.
 */

/** Node: an incoming `http`/`https` request, just before `server.emit('request')`. */
export const HTTP_SERVER_REQUEST_START = 'http.server.request.start';
/** Node: an outgoing request's response head, just before the ClientRequest's `'response'` event. */
export const HTTP_CLIENT_RESPONSE_FINISH = 'http.client.response.finish';
/** undici (global fetch): synchronously inside `fetch()`, once per redirect hop, in the caller's context. */
export const UNDICI_REQUEST_CREATE = 'undici:request:create';
/** undici: the response head, as `[name, value, …]` Buffers. */
export const UNDICI_REQUEST_HEADERS = 'undici:request:headers';
/** undici: the body is done. */
export const UNDICI_REQUEST_TRAILERS = 'undici:request:trailers';
/** undici: the request failed (`{ request, error }`). */
export const UNDICI_REQUEST_ERROR = 'undici:request:error';
/** undici: request headers sent. instrumentation-undici listens here and this package does not, so subscribers mean a fetch tracer is there. */
export const UNDICI_CLIENT_SEND_HEADERS = 'undici:client:sendHeaders';
