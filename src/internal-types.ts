import type { IncomingRequest } from './types';

/**
 * What an incoming transport gives the core (incoming/decide.ts): header lookup, the path, and a
 * way to set a response header. The `node:http`/`https` server is one adapter
 * (incoming/http-server.ts); a transport is added by adding one, with no decision written twice.
 * `Req` is what the user's hooks receive (`trustIncoming`, `ignore`, `rules[].match`): each adapter
 * passes its transport's request through unchanged, and the core reads it only through the adapter.
 */
export interface IncomingAdapter<Req extends IncomingRequest, Res> {
  /** The request header `key` (lower case) as the transport joined it, or `undefined`. */
  header(request: Req, key: string): string | string[] | undefined;
  /** How many times header `key` (lower case) was sent: a repeated ID header is never one ID. */
  headerCount(request: Req, key: string): number;
  /** The request path without query string or fragment. */
  path(request: Req): string;
  /** Sets `name: value` on the response, unless the app sets the header itself later (it wins). `key` is `name.toLowerCase()`. */
  setResponseHeader(response: Res, name: string, key: string, value: string): void;
}
