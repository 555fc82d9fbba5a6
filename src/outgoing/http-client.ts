import type { ClientRequest } from 'node:http';
import type { OutgoingDestination } from '../http/destination';
import type { AgentRequestOptions, OutgoingRequestHook } from '../internals/node-http';
import { injectedInto, type Injected } from '../context/carrier-marks';
import { destinationOf } from '../http/destination';
import { idFor, type OutgoingPropagation } from './decide';
import { withdraw } from './withdraw';

/**
 * The `http`/`https` adapter: runs inside `Agent.prototype.addRequest` (internals/node-http.ts),
 * while the ClientRequest's headers can still be set. A header the app set on the call is left
 * alone, and the caller's headers object is never touched (only the ClientRequest's own copy).
 */
export function httpClientHook(propagation: OutgoingPropagation): OutgoingRequestHook {
  return (request: ClientRequest, options: AgentRequestOptions): void => {
    const state = propagation.state();
    if (state === undefined) return;
    try {
      const config = propagation.config();
      if (config.propagateTo !== true && !propagation.allowed(config, () => destinationOfRequest(request, options))) {
        withdrawFrom(request, injectedInto(options.headers));
        return;
      }
      for (const header of config.outgoing) {
        const id = idFor(state, header.key, config.global.headerKey);
        if (id !== undefined && !request.hasHeader(header.key)) request.setHeader(header.name, id);
      }
    } catch (err) {
      propagation.guard.report('http', 'could not add the request ID to an outgoing request; it goes on without it', err);
    }
  };
}

/** What RequestIdPropagator wrote into HttpInstrumentation's copy of the headers, taken back from the ClientRequest's own. */
function withdrawFrom(request: ClientRequest, injected: Injected | undefined): void {
  withdraw(injected, request.getHeaderNames(), (name) => request.getHeader(name), (name, value) => {
    if (value === undefined) request.removeHeader(name);
    else request.setHeader(name, value);
  });
}

function destinationOfRequest(request: ClientRequest, options: AgentRequestOptions): OutgoingDestination | undefined {
  return destinationOf(options.protocol ?? request.protocol ?? 'http:', options.hostname ?? options.host ?? request.host ?? 'localhost', options.port);
}
