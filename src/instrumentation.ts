import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { InstrumentationBase, type InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { AwsRequestIdCapture } from './capture/aws-capture';
import { compileConfig, type CompiledConfig } from './config/compile-config';
import { addPolicySource, removePolicySource, type DestinationPolicy } from './config/propagate-to';
import { Guard } from './diag';
import { addFetchRequestHook, removeFetchRequestHook } from './outgoing/fetch';
import { addOutgoingRequestHook, removeOutgoingRequestHook } from './internals/node-http';
import { OutgoingPropagation } from './outgoing/propagation';
import { assignRequestIds, type RequestStartMessage } from './incoming/http-server';
import type { RequestIdInstrumentationConfig } from './types';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';

const REQUEST_START = 'http.server.request.start';

/**
 * Gives every incoming `http`/`https` request one request ID: reused from the request header
 * when valid and trusted, generated otherwise; echoed in the response, set on the SERVER span
 * and readable through `getRequestId()` in all of the request's async work.
 *
 * It patches nothing: it listens on Node's `http.server.request.start` diagnostics channel, so it
 * stacks with HttpInstrumentation in either construction order.
 */
export class RequestIdInstrumentation extends InstrumentationBase<RequestIdInstrumentationConfig> {
  // `declare`: the base constructor calls setConfig() and enable() before this class's field
  // initialisers would run, and an initialiser would wipe what they set.
  declare private compiled: CompiledConfig;
  declare private guard: Guard;
  declare private onRequestStart: ((message: unknown) => void) | undefined;
  declare private propagation: OutgoingPropagation | undefined;
  declare private awsCapture: AwsRequestIdCapture | undefined;
  declare private policySource: (() => DestinationPolicy) | undefined;

  constructor(config: RequestIdInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  /** Validates the whole config first: a bad option throws and the running config stays. */
  override setConfig(config: RequestIdInstrumentationConfig = {}): void {
    this.guard ??= new Guard();
    const compiled = compileConfig(config, this.guard);
    super.setConfig(config);
    this.compiled = compiled;
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    return [];
  }

  override enable(): void {
    super.enable();
    if (this.onRequestStart !== undefined) return;
    this.onRequestStart = (message) => assignRequestIds(message as RequestStartMessage, this.compiled, this.guard);
    subscribe(REQUEST_START, this.onRequestStart);
    this.propagation = new OutgoingPropagation(() => this.compiled, this.guard);
    addOutgoingRequestHook(this.propagation.onHttpRequest);
    addFetchRequestHook(this.propagation.onFetchRequest);
    this.policySource = () => this.compiled.propagateTo;
    addPolicySource(this.policySource);
    if (this.compiled.captureAwsRequestIds) {
      this.awsCapture = new AwsRequestIdCapture(this.guard);
      this.awsCapture.enable();
    }
  }

  override disable(): void {
    super.disable();
    if (this.onRequestStart === undefined) return;
    unsubscribe(REQUEST_START, this.onRequestStart);
    this.onRequestStart = undefined;
    if (this.propagation !== undefined) {
      removeOutgoingRequestHook(this.propagation.onHttpRequest);
      removeFetchRequestHook(this.propagation.onFetchRequest);
      this.propagation = undefined;
    }
    if (this.policySource !== undefined) removePolicySource(this.policySource);
    this.policySource = undefined;
    this.awsCapture?.disable();
    this.awsCapture = undefined;
  }
}
