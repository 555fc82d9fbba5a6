import { RequestIdConfigError } from '../errors';
import { ksuid } from './ksuid';
import { nanoid } from './nanoid';
import { randomTraceId } from './trace-id';
import { createRangeIdGenerator, resolveRangeIdOptions } from './range-id';
import { uuidV4 } from './uuid';
import { uuidV7 } from './uuidv7';
import type { AlgorithmName, IdGenerator, RangeIdOptions } from './types';

export const ALGORITHMS: readonly AlgorithmName[] = Object.freeze(['uuid', 'uuidv7', 'nanoid', 'range_id', 'ksuid', 'trace_id'] as const);

export type { AlgorithmName, IdGenerator, RangeIdOptions } from './types';

export { DEFAULT_RANGE_ID_CHARSET } from './range-id';
export { createUuidV7Generator, uuidv7Timestamp } from './uuidv7';
export { NANOID_ALPHABET } from './nanoid';
export { createKsuidGenerator, ksuidFromParts, ksuidFromBytes, ksuidDecode, ksuidTimestamp, KSUID_ALPHABET, KSUID_EPOCH_SECONDS } from './ksuid';

const ALGORITHM_EXPECTED = 'one of ' + ALGORITHMS.map((a) => JSON.stringify(a)).join(', ');

export function isAlgorithmName(value: unknown): value is AlgorithmName {
  return typeof value === 'string' && (ALGORITHMS as readonly string[]).includes(value);
}

/**
 * Builds a generator; throws RequestIdConfigError naming `algorithm`, `rangeId.length` or
 * `rangeId.charSet` with the bad value and the valid values. `rangeId` options are validated
 * whenever they are given, even for another algorithm, so a typo fails at start-up.
 *
 * `uuidv7` and `ksuid` return the process-wide generators (one shared monotonic state).
 */
export function createGenerator(algorithm: AlgorithmName, rangeId?: RangeIdOptions): IdGenerator {
  if (!isAlgorithmName(algorithm)) {
    throw new RequestIdConfigError('algorithm', algorithm, ALGORITHM_EXPECTED);
  }
  if (algorithm === 'range_id') return createRangeIdGenerator(rangeId);
  if (rangeId !== undefined) resolveRangeIdOptions(rangeId);
  switch (algorithm) {
    case 'uuid':
      return uuidV4;
    case 'uuidv7':
      return uuidV7;
    case 'nanoid':
      return nanoid;
    case 'ksuid':
      return ksuid;
    case 'trace_id':
      // A request's decision takes its trace's ID instead (incoming/trace-handle.ts); this is the ID's shape.
      return randomTraceId;
  }
}
