/**
 * Zero-code start:
 *
 *     node --require @rid/otel/register app.js     # CommonJS
 *     node --import @rid/otel/register app.mjs     # ESM
 *
 * Configured by environment only (OTEL_* and RID_* variables; see the README). An app that
 * exits on its own terms can flush first: `await require('@rid/otel/register').shutdown()`.
 */
import { startFromEnv } from './start';

const started = startFromEnv();

export const mode = started.mode;
export const shutdown = (): Promise<void> => started.shutdown();
