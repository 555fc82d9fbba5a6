import { ensureBuilt, type ChildApp } from './child-app';
import { startOtlpReceiver, type OtlpReceiver } from '../../bench/lib/otlp-receiver';

export interface AppAndReceiver {
  /** A fresh local OTLP receiver for each test. */
  receiver: OtlpReceiver;
  /** The test's child app, if it started one: killed after the test. */
  app?: ChildApp;
}

/**
 * Mocha hooks for a describe block whose tests start one child app each and read its telemetry at
 * a local OTLP receiver: builds once, a receiver per test, and the app killed and the receiver
 * closed after it.
 */
export function useAppAndReceiver(): AppAndReceiver {
  const state = {} as AppAndReceiver;
  before(() => ensureBuilt());
  beforeEach(async () => {
    state.receiver = await startOtlpReceiver();
  });
  afterEach(async () => {
    await state.app?.stop('SIGKILL');
    state.app = undefined;
    await state.receiver.close();
  });
  return state;
}
