/**
 * Type test (compiled by `npm run typecheck`, never run): the logging helpers fit the real pino,
 * pino-http and winston types, and the OTel logger instrumentations' `logHook`, without either
 * logger being a dependency of this package. Once `src/index.ts` exports them, import from '../../src'.
 */
import { randomUUID } from 'node:crypto';
import type { PinoInstrumentationConfig } from '@opentelemetry/instrumentation-pino';
import type { WinstonInstrumentationConfig } from '@opentelemetry/instrumentation-winston';
import pino from 'pino';
import pinoHttp from 'pino-http';
import winston from 'winston';
import { getRequestId } from '../../src';
import { requestIdFormat, requestIdLogHook, requestIdMixin, type RequestIdLogOptions } from '../../src/logging';

export const pinoLogger = pino({ mixin: requestIdMixin() });
export const pinoWithOwnMixin = pino({ mixin: requestIdMixin({ key: 'rid', mixin: (_obj: object, level: number) => ({ levelSeen: level }) }) });
export const httpLogger = pinoHttp({ logger: pinoLogger, genReqId: () => getRequestId() ?? randomUUID() });

export const winstonLogger = winston.createLogger({
  format: winston.format.combine(winston.format(requestIdFormat)(), winston.format.json()),
});
const options: RequestIdLogOptions = { key: 'rid', headerName: 'Route-Request-ID' };
export const winstonWithOptions = winston.format(requestIdFormat)(options);

export const pinoHook: PinoInstrumentationConfig = { logHook: requestIdLogHook() };
export const winstonHook: WinstonInstrumentationConfig = { logHook: requestIdLogHook({ key: 'rid' }) };

// @ts-expect-error: the key is a string
requestIdMixin({ key: 1 });
