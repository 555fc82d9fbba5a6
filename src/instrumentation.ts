import { InstrumentationBase, type InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { ResponseIdCapture } from './capture/response-id-capture';
import { compileConfig, type CompiledConfig } from './config/compile-config';
import type { DestinationPolicy } from './config/propagate-to';
import { Guard } from './diag';
import { attachAll, channelAttachment, detachAll, hookAttachment, type Attachment } from './hook-registry';
import { assignRequestIds, type RequestStartMessage } from './incoming/http-server';
import { endStreamSpan, Http2ServerAdapter } from './incoming/http2-server';
import { lambdaHandlerDefinitions } from './incoming/lambda-handler-file';
import { HTTP_SERVER_REQUEST_START } from './internals/channels';
import { addOutgoingRequestHook, removeOutgoingRequestHook, type OutgoingRequestHook } from './internals/node-http';
import { addClientHooks, addStreamStartHook, removeClientHooks, removeStreamStartHook } from './internals/node-http2';
import { addRespondHook, addStreamCloseHook, addStreamEmitHook, removeRespondHook, removeStreamEmitHook } from './internals/node-http2-stream';
import { addFetchRequestHook, fetchRequestHook, removeFetchRequestHook, type FetchRequestHook } from './outgoing/fetch';
import { httpClientHook } from './outgoing/http-client';
import { Http2ClientAdapter } from './outgoing/http2-client';
import { addPolicySource, removePolicySource } from './outgoing/policies';
import { OutgoingPropagation } from './outgoing/decide';
import type { RequestIdInstrumentationConfig } from './types';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';

/** What enable() subscribes, kept together so that disable() undoes exactly that. */
interface Hooks {
  onRequestStart: (message: unknown) => void;
  httpClient: OutgoingRequestHook;
  fetch: FetchRequestHook;
  policySource: () => DestinationPolicy;
  http2Server: Http2ServerAdapter;
  http2Client: Http2ClientAdapter;
}

/** What enable() adds and disable() removes: one list (hook-registry.ts), so that the two cannot drift apart. */
function wiring(hooks: Hooks): Attachment[] {
  const { http2Server, http2Client } = hooks;
  return [
    channelAttachment(HTTP_SERVER_REQUEST_START, hooks.onRequestStart),
    hookAttachment(addOutgoingRequestHook, removeOutgoingRequestHook, hooks.httpClient),
    hookAttachment(addFetchRequestHook, removeFetchRequestHook, hooks.fetch),
    hookAttachment(addPolicySource, removePolicySource, hooks.policySource),
    hookAttachment(addStreamStartHook, removeStreamStartHook, http2Server.onStreamStart),
    hookAttachment(addRespondHook, removeRespondHook, http2Server.onRespond),
    hookAttachment(addStreamEmitHook, removeStreamEmitHook, http2Server.runStream),
    // Never removed: a stream open at disable() still ends its span (the hook does nothing for others).
    [() => addStreamCloseHook(endStreamSpan), () => {}],
    [() => addClientHooks(http2Client.onRequest, http2Client.onStream), () => removeClientHooks(http2Client.onRequest, http2Client.onStream)],
  ];
}

/**
 * Gives every incoming `http`/`https` and HTTP/2 request one request ID: reused from the request header
 * when valid and trusted, generated otherwise; echoed in the response, set on the SERVER span
 * and readable through `getRequestId()` in all of the request's async work.
 *
 * It patches nothing of HttpInstrumentation's: it listens on Node's `http.server.request.start`
 * diagnostics channel, so it stacks with HttpInstrumentation in either construction order. HTTP/2,
 * which no OpenTelemetry instrumentation covers, gets its SERVER and CLIENT spans here. The
 * transports are adapters (incoming/, outgoing/, capture/) around one compiled config (config/).
 */
export class RequestIdInstrumentation extends InstrumentationBase<RequestIdInstrumentationConfig> {
  // `declare`: the base constructor calls setConfig() and enable() before this class's field
  // initialisers would run, and an initialiser would wipe what they set.
  declare private compiled: CompiledConfig;
  declare private guard: Guard;
  declare private hooks: Hooks | undefined;
  declare private capture: ResponseIdCapture | undefined;

  constructor(config: RequestIdInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  /** Validates the whole config first: a bad option throws and the running config stays. Every option applies at once. */
  override setConfig(config: RequestIdInstrumentationConfig = {}): void {
    this.guard ??= new Guard(() => this._diag);
    const compiled = compileConfig(config, this.guard);
    super.setConfig(config);
    this.compiled = compiled;
    if (this.hooks !== undefined) this.applyCapture();
  }

  /** In AWS Lambda, the function's handler module: each invocation gets its ID (incoming/lambda-invocation.ts). */
  protected init(): InstrumentationNodeModuleDefinition[] {
    return lambdaHandlerDefinitions(() => (this.hooks === undefined ? undefined : { config: this.compiled, guard: this.guard }));
  }

  override enable(): void {
    super.enable();
    if (this.hooks !== undefined) return;
    const propagation = new OutgoingPropagation(() => this.compiled, this.guard);
    const hooks: Hooks = {
      onRequestStart: (message) => assignRequestIds(message as RequestStartMessage, this.compiled, this.guard),
      httpClient: httpClientHook(propagation),
      fetch: fetchRequestHook(propagation),
      policySource: () => this.compiled.propagateTo,
      http2Server: new Http2ServerAdapter(() => this.compiled, this.guard, () => this.tracer),
      http2Client: new Http2ClientAdapter(propagation, () => this.tracer, this.guard),
    };
    this.hooks = hooks;
    attachAll(wiring(hooks));
    this.applyCapture();
  }

  override disable(): void {
    super.disable();
    const hooks = this.hooks;
    if (hooks === undefined) return;
    this.hooks = undefined;
    detachAll(wiring(hooks));
    this.applyCapture();
  }

  /**
   * The response ID capture (AWS and the other vendors) runs while enabled with a vendor to record,
   * and stops as soon as either goes; a new config's table replaces the running one.
   */
  private applyCapture(): void {
    const table = this.hooks === undefined ? undefined : this.compiled.vendorTable;
    if (this.capture !== undefined && this.capture.table !== table) {
      this.capture.disable();
      this.capture = undefined;
    }
    if (table !== undefined && this.capture === undefined) {
      this.capture = new ResponseIdCapture(table, this.guard, () => this.tracer);
      this.capture.enable();
    }
  }
}
