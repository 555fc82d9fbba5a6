/** The types every generator shares, apart from the barrel (index.ts) that imports the generators: no cycle. */

export type AlgorithmName = 'uuid' | 'uuidv7' | 'nanoid' | 'range_id' | 'ksuid' | 'trace_id';

export interface RangeIdOptions {
  /** at least 6 distinct chars, printable ASCII 0x21-0x7E only (duplicates are ignored), at most 256 chars */
  charSet?: string;
  /** integer >= 6, default 16 */
  length?: number;
}

export type IdGenerator = () => string;
