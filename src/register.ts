/**
 * Zero-code start:
 *
 *     node --require @rid/otel/register app.js     # CommonJS
 *     node --import @rid/otel/register app.mjs     # ESM
 *
 * Configured by environment only (OTEL_* and RID_* variables; see the README). An app that
 * exits on its own terms can flush first: `await require('@rid/otel/register').shutdown()`.
 */
import { startFromEnv, type StartedTelemetry } from './register/start';

function start(): StartedTelemetry {
  try {
    return startFromEnv();
  } catch (err) {
    // Telemetry is never the reason an app does not start.
    process.stderr.write(`@rid/otel/register: could not start; the app runs without it: ${err instanceof Error ? err.message : String(err)}\n`);
    return { mode: 'disabled', shutdown: () => Promise.resolve() };
  }
}

const started = start();

export const mode = started.mode;
export const shutdown = (): Promise<void> => started.shutdown();
