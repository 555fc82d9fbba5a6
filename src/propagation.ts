import type { ClientRequest } from 'node:http';
import type { CompiledConfig } from './config';
import { currentState, type RequestIdState } from './context';
import { destinationFromOrigin, type OutgoingDestination } from './destinations';
import type { OnceReporter } from './diag';
import { undiciHasHeader, type UndiciRequest } from './fetch';
import type { AgentRequestOptions } from './http-client';

/**
 * Sends the current request's IDs on with every outgoing `http`, `https` and `fetch` call made in
 * its async work: in the global header (the primary ID, also for runWithRequestId) and in each
 * route rule's header that this request got. A header the app set on the call is left alone,
 * and the caller's headers object is never touched (only the ClientRequest's own copy).
 */
export class OutgoingPropagation {
  constructor(
    private readonly getConfig: () => CompiledConfig,
    private readonly reporter: OnceReporter,
  ) {}

  readonly onHttpRequest = (request: ClientRequest, options: AgentRequestOptions): void => {
    const state = currentState();
    if (state === undefined) return;
    try {
      const config = this.getConfig();
      if (config.propagateTo !== true && !this.allowed(config, () => destinationOfHttp(request, options))) return;
      for (const header of config.outgoing) {
        const id = idFor(state, header.key, config.global.headerKey);
        if (id !== undefined && !request.hasHeader(header.key)) request.setHeader(header.name, id);
      }
    } catch (err) {
      this.reporter.error('http', 'could not add the request ID to an outgoing request; it goes on without it', err);
    }
  };

  readonly onFetchRequest = ({ request }: { request: UndiciRequest }): void => {
    const state = currentState();
    if (state === undefined) return;
    try {
      const config = this.getConfig();
      if (config.propagateTo !== true && !this.allowed(config, () => destinationFromOrigin(request.origin))) return;
      let added = false;
      for (const header of config.outgoing) {
        const id = idFor(state, header.key, config.global.headerKey);
        if (id !== undefined && !undiciHasHeader(request, header.key)) {
          request.addHeader(header.name, id);
          added = true;
        }
      }
      if (added) ignoreLaterAdds(request, config);
    } catch (err) {
      this.reporter.error('fetch', 'could not add the request ID to a fetch call; it goes on without it', err);
    }
  };

  private allowed(config: CompiledConfig, destination: () => OutgoingDestination): boolean {
    const policy = config.propagateTo;
    if (policy === false) return false;
    if (policy === true) return true;
    try {
      return policy(destination());
    } catch (err) {
      // Failing closed: a broken filter must not leak IDs to third parties.
      this.reporter.error('propagateTo', 'the propagateTo function threw; not sending the request ID to that destination', err);
      return false;
    }
  }
}

/**
 * instrumentation-undici injects the global propagator's headers after this hook when it
 * subscribed later; with RequestIdPropagator in that propagator the header would be sent twice
 * (`"id, id"`). This request alone then drops a second value for our headers.
 */
function ignoreLaterAdds(request: UndiciRequest, config: CompiledConfig): void {
  const addHeader = request.addHeader;
  request.addHeader = function (this: UndiciRequest, name: string, value: string) {
    if (typeof name === 'string' && config.outgoing.some((h) => h.key === name.toLowerCase())) return this;
    return addHeader.call(this, name, value);
  };
}

function idFor(state: RequestIdState, key: string, globalKey: string): string | undefined {
  return state.byHeader[key] ?? (key === globalKey ? state.id : undefined);
}

function destinationOfHttp(request: ClientRequest, options: AgentRequestOptions): OutgoingDestination {
  const rawHost = options.hostname ?? options.host ?? request.host ?? 'localhost';
  const hostname = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  const port = options.port === undefined || options.port === '' ? undefined : Number(options.port);
  return { protocol: options.protocol ?? request.protocol ?? 'http:', hostname, port };
}
