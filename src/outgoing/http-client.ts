import { Agent, type ClientRequest } from 'node:http';
import { OnceReporter } from '../diag';

/** What `Agent.prototype.addRequest` receives besides the request. */
export interface AgentRequestOptions {
  host?: string;
  hostname?: string;
  port?: number | string;
  protocol?: string;
  /** The headers object the request was made with (HttpInstrumentation's copy, with what the propagator injected). */
  headers?: unknown;
}

/**
 * Runs for every outgoing `http`/`https` request made through an Agent (that is every one made by
 * `request`, `get`, axios, got and the AWS SDK), synchronously while the ClientRequest is being
 * built: headers can still be set, and HttpInstrumentation's CLIENT span is the active span.
 */
export type OutgoingRequestHook = (request: ClientRequest, options: AgentRequestOptions) => void;

const hooks = new Set<OutgoingRequestHook>();
const reporter = new OnceReporter();
type AddRequest = (this: Agent, request: ClientRequest, options: AgentRequestOptions) => void;
let original: AddRequest | undefined;
let patched: AddRequest | undefined;

/**
 * `Agent.prototype.addRequest` is patched by plain assignment: HttpInstrumentation never touches
 * it, and nothing here goes through shimmer, whose `_wrap` would unwrap another patch first.
 */
export function addOutgoingRequestHook(hook: OutgoingRequestHook): void {
  hooks.add(hook);
  if (patched !== undefined) return;
  const proto = Agent.prototype as unknown as { addRequest: AddRequest };
  const previous = proto.addRequest;
  original = previous;
  patched = function addRequest(this: Agent, request: ClientRequest, options: AgentRequestOptions) {
    for (const run of hooks) {
      try {
        run(request, options);
      } catch (err) {
        reporter.error('addRequest', 'an outgoing request hook failed; the request goes on unchanged', err);
      }
    }
    // eslint-disable-next-line prefer-rest-params
    return previous.apply(this, arguments as unknown as [ClientRequest, AgentRequestOptions]);
  };
  proto.addRequest = patched;
}

export function removeOutgoingRequestHook(hook: OutgoingRequestHook): void {
  hooks.delete(hook);
  if (hooks.size > 0 || patched === undefined) return;
  const proto = Agent.prototype as unknown as { addRequest: AddRequest };
  // Only undo our patch while it is on top; with someone else's wrapper above, an empty hook
  // set already makes ours a pass-through.
  if (proto.addRequest === patched) {
    proto.addRequest = original!;
    patched = undefined;
    original = undefined;
  }
}
