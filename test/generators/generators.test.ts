import * as assert from 'assert';
// The real module object, not an import namespace: one test swaps its randomFillSync.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import crypto = require('crypto');
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';

import { RequestIdConfigError } from '../../src/errors';
import {
  ALGORITHMS,
  createGenerator,
  createKsuidGenerator,
  createUuidV7Generator,
  DEFAULT_RANGE_ID_CHARSET,
  isAlgorithmName,
  ksuidDecode,
  ksuidFromBytes,
  ksuidFromParts,
  ksuidTimestamp,
  KSUID_ALPHABET,
  KSUID_EPOCH_SECONDS,
  NANOID_ALPHABET,
  uuidv7Timestamp,
  type AlgorithmName,
  type IdGenerator,
  type RangeIdOptions,
} from '../../src/generators';
import { POOL, POOL_SIZE, takeBytes } from '../../src/generators/random-pool';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function many(gen: IdGenerator, n: number): string[] {
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = gen();
  return out;
}

function assertAllMatch(ids: string[], re: RegExp): void {
  for (const id of ids) {
    if (!re.test(id)) assert.fail(`${JSON.stringify(id)} does not match ${re}`);
  }
}

function assertStrictlyIncreasing(ids: string[]): void {
  for (let i = 1; i < ids.length; i++) {
    if (!(ids[i - 1] < ids[i])) assert.fail(`not increasing at ${i}: ${ids[i - 1]} then ${ids[i]}`);
  }
}

/** Independent reference: big-endian bytes -> base62 (0-9A-Za-z) left-padded to 27, via BigInt. */
function bigIntKsuid(bytes: Uint8Array): string {
  let n = BigInt('0x' + (Buffer.from(bytes).toString('hex') || '0'));
  let s = '';
  while (n > BigInt(0)) {
    s = KSUID_ALPHABET[Number(n % BigInt(62))] + s;
    n /= BigInt(62);
  }
  return s.padStart(27, '0');
}

/** Independent reference decoder: base62 -> 20 big-endian bytes via BigInt. */
function bigIntKsuidBytes(id: string): Buffer {
  let n = BigInt(0);
  for (const ch of id) n = n * BigInt(62) + BigInt(KSUID_ALPHABET.indexOf(ch));
  return Buffer.from(n.toString(16).padStart(40, '0'), 'hex');
}

/**
 * Upper critical values of the chi-square distribution at p = 0.001, i.e.
 * scipy.stats.chi2.ppf(0.999, df), by degrees of freedom (= categories - 1).
 */
const CHI2_CRITICAL_P001: Record<number, number> = {
  5: 20.515005652432873,
  9: 27.877164871256568,
  61: 100.8878853068583,
  63: 103.44237731987324,
};

/** Pearson's chi-square statistic of observed counts against the uniform distribution. */
function chiSquareUniform(counts: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  const expected = total / counts.length;
  let chi2 = 0;
  for (let i = 0; i < counts.length; i++) chi2 += (counts[i] - expected) ** 2 / expected;
  return chi2;
}

/** Counts of each alphabet character over all characters of `ids` IDs from `gen`. */
function charCounts(gen: IdGenerator, alphabet: string, ids: number): number[] {
  const index = new Map<string, number>();
  for (let i = 0; i < alphabet.length; i++) index.set(alphabet[i], i);
  const counts = new Array<number>(alphabet.length).fill(0);
  for (let n = 0; n < ids; n++) {
    const id = gen();
    for (let i = 0; i < id.length; i++) {
      const k = index.get(id[i]);
      if (k === undefined) assert.fail(`character ${JSON.stringify(id[i])} of ${JSON.stringify(id)} is not in the alphabet`);
      counts[k]++;
    }
  }
  return counts;
}

/**
 * Asserts the character distribution of `gen` over `alphabet` is uniform: chi-square below the
 * p = 0.001 critical value with alphabet.length - 1 degrees of freedom. A truly uniform generator
 * fails one sample with probability 0.001; to keep the suite from flaking, a failing sample is
 * re-drawn once, so a uniform generator fails with probability 1e-6 while a biased one (which
 * exceeds the critical value with near certainty at these sample sizes) still fails both.
 */
function assertUniform(gen: IdGenerator, alphabet: string, ids: number): void {
  const df = alphabet.length - 1;
  const critical = CHI2_CRITICAL_P001[df];
  assert.ok(critical, `no critical value for df=${df}`);
  const first = chiSquareUniform(charCounts(gen, alphabet, ids));
  if (first < critical) return;
  const second = chiSquareUniform(charCounts(gen, alphabet, ids));
  assert.ok(
    second < critical,
    `chi-square ${first.toFixed(1)} then ${second.toFixed(1)} >= ${critical.toFixed(1)} (df=${df}, p=0.001): not uniform`,
  );
}

/** A deliberately biased generator: `byte % alphabet.length`, the mistake rejection sampling avoids. */
function moduloBiased(alphabet: string, length: number): IdGenerator {
  return () => {
    const bytes = crypto.randomBytes(length);
    let s = '';
    for (const b of bytes) s += alphabet[b % alphabet.length];
    return s;
  };
}

function expectConfigError(fn: () => unknown, option: string, ...mustMention: string[]): RequestIdConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof RequestIdConfigError, `expected RequestIdConfigError, got ${String(caught)}`);
  assert.strictEqual(caught.option, option);
  assert.strictEqual(caught.name, 'RequestIdConfigError');
  assert.ok(caught.message.includes(`\`${option}\``), `message names the option: ${caught.message}`);
  for (const text of mustMention) {
    assert.ok(caught.message.includes(text), `message mentions ${JSON.stringify(text)}: ${caught.message}`);
  }
  return caught;
}

const rangeId = (options?: RangeIdOptions): IdGenerator => createGenerator('range_id', options);

// ---------------------------------------------------------------------------------------------
// Contract
// ---------------------------------------------------------------------------------------------

describe('generators: contract', () => {
  it('lists the algorithms in order', () => {
    assert.deepStrictEqual([...ALGORITHMS], ['uuid', 'uuidv7', 'nanoid', 'range_id', 'ksuid', 'trace_id']);
  });

  it('isAlgorithmName accepts exactly the algorithm names', () => {
    for (const a of ALGORITHMS) assert.strictEqual(isAlgorithmName(a), true);
    for (const v of ['UUID', 'uuid4', 'range-id', '', 'ksuid ', undefined, null, 4, {}, ['uuid']]) {
      assert.strictEqual(isAlgorithmName(v), false, `isAlgorithmName(${JSON.stringify(v)})`);
    }
  });

  it('DEFAULT_RANGE_ID_CHARSET is the 62 distinct alphanumerics (not APISIX\'s "HIGK" typo)', () => {
    assert.strictEqual(DEFAULT_RANGE_ID_CHARSET, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789');
    assert.strictEqual(new Set(DEFAULT_RANGE_ID_CHARSET).size, 62);
    assert.ok(DEFAULT_RANGE_ID_CHARSET.includes('J'));
  });

  it('createGenerator returns a function producing strings for every algorithm', () => {
    for (const a of ALGORITHMS) {
      const id = createGenerator(a)();
      assert.strictEqual(typeof id, 'string');
      assert.ok(id.length >= 16, `${a}: ${id}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Format and uniqueness, for every algorithm
// ---------------------------------------------------------------------------------------------

interface Case {
  name: string;
  gen: () => IdGenerator;
  re: RegExp;
}

const CASES: Case[] = [
  { name: 'uuid', gen: () => createGenerator('uuid'), re: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/ },
  { name: 'uuidv7', gen: () => createGenerator('uuidv7'), re: /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/ },
  { name: 'nanoid', gen: () => createGenerator('nanoid'), re: /^[A-Za-z0-9_-]{21}$/ },
  { name: 'range_id (default)', gen: () => createGenerator('range_id'), re: /^[A-Za-z0-9]{16}$/ },
  { name: 'range_id (digits, 20)', gen: () => rangeId({ charSet: '0123456789', length: 20 }), re: /^[0-9]{20}$/ },
  { name: 'range_id (punctuation, 6)', gen: () => rangeId({ charSet: '!#$%&*+-.^_~', length: 6 }), re: /^[!#$%&*+\-.^_~]{6}$/ },
  { name: 'ksuid', gen: () => createGenerator('ksuid'), re: /^[0-9A-Za-z]{27}$/ },
];

describe('generators: format and uniqueness', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      it('matches its format over 20,000 IDs', () => {
        assertAllMatch(many(c.gen(), 20_000), c.re);
      });

      it('has no duplicate in 100,000 IDs', function () {
        // 6 random chars of 12 (range_id punctuation, length 6) = 2.98e6 values: collisions are expected there.
        if (c.name === 'range_id (punctuation, 6)') {
          const ids = many(c.gen(), 1000);
          assert.ok(new Set(ids).size > 800, 'short IDs are still random');
          return;
        }
        const ids = many(c.gen(), 100_000);
        assert.strictEqual(new Set(ids).size, ids.length);
      });
    });
  }

  it('uuid: every position of the random part varies and the variant takes all of 8, 9, a, b', () => {
    const ids = many(createGenerator('uuid'), 2000);
    const variants = new Set(ids.map((id) => id[19]));
    assert.deepStrictEqual([...variants].sort(), ['8', '9', 'a', 'b']);
    for (let pos = 0; pos < 36; pos++) {
      if ([8, 13, 14, 18, 23].includes(pos)) continue; // dashes and the version nibble
      assert.ok(new Set(ids.map((id) => id[pos])).size >= 4, `position ${pos} looks constant`);
    }
  });

  it('nanoid uses exactly the url alphabet A-Za-z0-9_-', () => {
    assert.strictEqual(NANOID_ALPHABET.length, 64);
    assert.strictEqual(new Set(NANOID_ALPHABET).size, 64);
    assert.deepStrictEqual(
      [...NANOID_ALPHABET].sort().join(''),
      [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'].sort().join(''),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Randomness source
// ---------------------------------------------------------------------------------------------

describe('generators: randomness source', () => {
  it('takeBytes hands out fresh slices and refills the pool when it runs out', () => {
    const a = takeBytes(16);
    const b = takeBytes(16);
    assert.ok(b === a + 16 || b === 0);
    takeBytes(POOL_SIZE); // cannot fit after any previous take: forces a refill and uses it all
    assert.strictEqual(takeBytes(32), 0, 'exhausted pool is refilled from the start');
    assert.ok(POOL.subarray(0, 32).some((x) => x !== 0));
  });

  it('every algorithm draws its randomness from the pool filled by crypto.randomFillSync', () => {
    // The real module object (not an import namespace), which random-pool.ts reads at call time.
    const mutableCrypto = crypto as unknown as { randomFillSync: (buf: Uint8Array) => Uint8Array };
    const original = mutableCrypto.randomFillSync;
    const T = 0x0123456789ab; // ms
    const gens = {
      uuid: createGenerator('uuid'),
      uuidv7: createUuidV7Generator(() => T),
      nanoid: createGenerator('nanoid'),
      range_id: createGenerator('range_id'),
      ksuid: createKsuidGenerator(() => (KSUID_EPOCH_SECONDS + 1) * 1000),
    };
    const ids: Record<string, string> = {};
    mutableCrypto.randomFillSync = (buf) => buf.fill(0);
    try {
      takeBytes(POOL_SIZE); // force a refill: the pool is now all zeros
      for (const [name, gen] of Object.entries(gens)) ids[name] = gen();
    } finally {
      mutableCrypto.randomFillSync = original;
      takeBytes(POOL_SIZE); // refill with real randomness
    }
    assert.deepStrictEqual(ids, {
      uuid: '00000000-0000-4000-8000-000000000000',
      uuidv7: '01234567-89ab-7000-8000-000000000000',
      nanoid: 'u'.repeat(21), // NANOID_ALPHABET[0]
      range_id: 'a'.repeat(16), // DEFAULT_RANGE_ID_CHARSET[0]
      ksuid: ksuidFromParts(1, new Uint8Array(16)),
    });
    assert.ok(POOL.subarray(0, 64).some((x) => x !== 0), 'real randomness restored');
  });

  it('never calls Math.random', () => {
    const original = Math.random;
    Math.random = () => {
      throw new Error('Math.random called');
    };
    try {
      for (const a of ALGORITHMS) many(createGenerator(a), 5000);
      many(rangeId({ charSet: 'abcdefg', length: 50 }), 1000);
    } finally {
      Math.random = original;
    }
    const dir = join(__dirname, '..', '..', 'src', 'generators');
    for (const file of readdirSync(dir)) {
      assert.ok(!/Math\.random\s*\(/.test(readFileSync(join(dir, file), 'utf8')), `${file} calls Math.random`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Configuration errors
// ---------------------------------------------------------------------------------------------

describe('generators: configuration errors', () => {
  const CHARSET_HINTS = ['0x21-0x7E', 'at least 6 distinct'];

  it('unknown algorithm names the option, the value and the valid values', () => {
    for (const bad of ['uuid4', 'UUID', '', 'range-id']) {
      expectConfigError(
        () => createGenerator(bad as AlgorithmName),
        'algorithm',
        JSON.stringify(bad),
        '"uuid", "uuidv7", "nanoid", "range_id", "ksuid"',
      );
    }
    expectConfigError(() => createGenerator(undefined as unknown as AlgorithmName), 'algorithm', 'undefined', '"ksuid"');
  });

  it('rangeId.length must be an integer >= 6', () => {
    for (const bad of [5, 6.5, 0, -16, NaN, Infinity, '16', null]) {
      expectConfigError(() => rangeId({ length: bad as number }), 'rangeId.length', 'an integer >= 6', String(bad));
    }
    assert.strictEqual(rangeId({ length: 6 })().length, 6);
    assert.strictEqual(rangeId({ length: 64 })().length, 64);
    assert.strictEqual(rangeId({})().length, 16);
    assert.strictEqual(rangeId({ length: undefined })().length, 16);
  });

  it('rangeId.charSet: fewer than 6 characters', () => {
    expectConfigError(() => rangeId({ charSet: 'abcde' }), 'rangeId.charSet', '"abcde"', '5 distinct', ...CHARSET_HINTS);
    expectConfigError(() => rangeId({ charSet: '' }), 'rangeId.charSet', '0 distinct', ...CHARSET_HINTS);
  });

  it('rangeId.charSet: fewer than 6 distinct characters', () => {
    expectConfigError(() => rangeId({ charSet: 'aaaaaaa' }), 'rangeId.charSet', '"aaaaaaa"', '1 distinct', ...CHARSET_HINTS);
    expectConfigError(() => rangeId({ charSet: 'abcdeabcde' }), 'rangeId.charSet', '5 distinct', ...CHARSET_HINTS);
  });

  it('rangeId.charSet: a space, control or non-ASCII character', () => {
    expectConfigError(() => rangeId({ charSet: 'abc defg' }), 'rangeId.charSet', 'character 0x20 at index 3', ...CHARSET_HINTS);
    expectConfigError(() => rangeId({ charSet: 'abcdefg\t' }), 'rangeId.charSet', '0x09', ...CHARSET_HINTS);
    expectConfigError(() => rangeId({ charSet: 'abcdéfgh' }), 'rangeId.charSet', '0xE9', ...CHARSET_HINTS);
    expectConfigError(() => rangeId({ charSet: 'abcdefg\u007f' }), 'rangeId.charSet', '0x7F', ...CHARSET_HINTS);
    expectConfigError(() => rangeId({ charSet: 'abcdef\u{1F600}' }), 'rangeId.charSet', ...CHARSET_HINTS);
  });

  it('rangeId.charSet: not a string, or longer than 256', () => {
    expectConfigError(() => rangeId({ charSet: 1234567 as unknown as string }), 'rangeId.charSet', '1234567', ...CHARSET_HINTS);
    expectConfigError(() => rangeId({ charSet: 'abcdefgh'.repeat(33) }), 'rangeId.charSet', 'at most 256', 'it has 264 characters');
  });

  it('rangeId itself must be an object', () => {
    expectConfigError(() => rangeId('abcdef' as unknown as RangeIdOptions), 'rangeId', '"abcdef"');
  });

  it('rangeId options are validated even when another algorithm is chosen', () => {
    expectConfigError(() => createGenerator('uuid', { length: 5 }), 'rangeId.length', 'an integer >= 6');
    expectConfigError(() => createGenerator('ksuid', { charSet: 'abc' }), 'rangeId.charSet', ...CHARSET_HINTS);
    assert.doesNotThrow(() => createGenerator('nanoid', { length: 20, charSet: 'abcdef' }));
  });

  it('accepts the boundary cases: 6 distinct chars, all 94 printable ASCII chars, duplicates', () => {
    assertAllMatch(many(rangeId({ charSet: 'abcdef', length: 6 }), 100), /^[a-f]{6}$/);
    let all = '';
    for (let c = 0x21; c <= 0x7e; c++) all += String.fromCharCode(c);
    const ids = many(rangeId({ charSet: all, length: 40 }), 2000);
    assertAllMatch(ids, /^[\x21-\x7e]{40}$/);
    assert.strictEqual(new Set(ids.join('')).size, 94);
    // APISIX's typo'd default (G twice) still works: duplicates are ignored.
    const apisix = 'abcdefghijklmnopqrstuvwxyzABCDEFHIGKLMNOPQRSTUVWXYZ0123456789';
    assertAllMatch(many(rangeId({ charSet: apisix }), 100), /^[a-zA-IK-Z0-9]{16}$/);
  });

  it('a very long length still works (built in chunks)', () => {
    const id = rangeId({ charSet: '0123456789', length: 10_000 })();
    assert.match(id, /^[0-9]{10000}$/);
  });
});

// ---------------------------------------------------------------------------------------------
// Uniformity (chi-square)
// ---------------------------------------------------------------------------------------------

describe('generators: character distribution (chi-square, p = 0.001)', () => {
  it('the chi-square helper computes the statistic', () => {
    assert.strictEqual(chiSquareUniform([10, 10, 10, 10]), 0);
    // expected 25 each: (35-25)^2/25 + (15-25)^2/25 = 8
    assert.strictEqual(chiSquareUniform([35, 15, 25, 25]), 8);
  });

  it('counter-test: rejects a `byte % 10` generator (10-char set)', () => {
    assert.throws(() => assertUniform(moduloBiased('0123456789', 16), '0123456789', 25_000), /not uniform/);
  });

  it('counter-test: rejects a `byte % 62` generator (62-char set)', () => {
    assert.throws(
      () => assertUniform(moduloBiased(DEFAULT_RANGE_ID_CHARSET, 16), DEFAULT_RANGE_ID_CHARSET, 25_000),
      /not uniform/,
    );
  });

  it('nanoid is uniform over its 64 characters (df = 63)', () => {
    assertUniform(createGenerator('nanoid'), NANOID_ALPHABET, 20_000);
  });

  it('range_id with the default 62-char set, length 16, is uniform (df = 61)', () => {
    assertUniform(rangeId({ length: 16 }), DEFAULT_RANGE_ID_CHARSET, 25_000);
  });

  it('range_id with a 10-char set, length 16, is uniform (df = 9)', () => {
    assertUniform(rangeId({ charSet: '0123456789', length: 16 }), '0123456789', 25_000);
  });

  it('range_id with duplicates in the char set is uniform over the distinct characters (df = 5)', () => {
    assertUniform(rangeId({ charSet: 'aaaaaabcdef', length: 16 }), 'abcdef', 10_000);
  });
});

// ---------------------------------------------------------------------------------------------
// UUID v7
// ---------------------------------------------------------------------------------------------

describe('generators: uuidv7', () => {
  const counterOf = (id: string): number => parseInt(id.slice(15, 18), 16); // rand_a, after the '7'

  it('encodes the injected clock in the first 48 bits (round trip)', () => {
    for (const T of [0, 1, 1_700_000_000_123, Date.now(), 0xffffffffffff - 1]) {
      const id = createUuidV7Generator(() => T)();
      assert.strictEqual(uuidv7Timestamp(id), T);
      assert.strictEqual(id.slice(0, 8) + id.slice(9, 13), T.toString(16).padStart(12, '0'));
    }
    assert.strictEqual(createUuidV7Generator(() => 0x0123456789ab)().slice(0, 15), '01234567-89ab-7');
    assert.strictEqual(uuidv7Timestamp(createUuidV7Generator(() => 1_700_000_000_000.9)()), 1_700_000_000_000);
  });

  it('clamps clocks outside the 48-bit range', () => {
    const re = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    for (const [clock, expected] of [
      [-5, 0],
      [NaN, 0],
      [2 ** 50, 0xffffffffffff],
    ]) {
      const id = createUuidV7Generator(() => clock)();
      assert.match(id, re);
      assert.strictEqual(uuidv7Timestamp(id), expected);
    }
  });

  it('the default generator uses the wall clock', () => {
    const before = Date.now();
    const ts = uuidv7Timestamp(createGenerator('uuidv7')());
    assert.ok(ts >= before && ts <= Date.now() + 1000, `${ts} vs ${before}`);
  });

  it('10,000 IDs generated in a tight loop are strictly increasing', () => {
    assertStrictlyIncreasing(many(createGenerator('uuidv7'), 10_000));
  });

  it('IDs within one millisecond use a counter in rand_a, seeded with headroom', () => {
    const gen = createUuidV7Generator(() => 1_700_000_000_000);
    const ids = many(gen, 100);
    assert.ok(counterOf(ids[0]) <= 0x7ff, 'seed leaves at least 2048 increments');
    for (let i = 1; i < ids.length; i++) assert.strictEqual(counterOf(ids[i]), counterOf(ids[i - 1]) + 1);
    assert.ok(new Set(ids.map((id) => id.slice(19))).size === ids.length, 'rand_b is random per ID');
    // A new millisecond re-seeds the counter.
    const seeds = new Set<number>();
    for (let ms = 0; ms < 50; ms++) seeds.add(counterOf(createUuidV7Generator(() => ms)()));
    assert.ok(seeds.size > 10, 'seeds are random');
  });

  it('counter overflow advances the stored millisecond by one and keeps order (frozen clock)', () => {
    const T = 1_700_000_000_000;
    const ids = many(createUuidV7Generator(() => T), 10_000);
    assertStrictlyIncreasing(ids);
    const firstAdvance = ids.findIndex((id) => uuidv7Timestamp(id) !== T);
    assert.ok(firstAdvance >= 2049 && firstAdvance <= 4096, `overflow after ${firstAdvance} IDs`);
    assert.strictEqual(uuidv7Timestamp(ids[firstAdvance]), T + 1);
    assert.strictEqual(counterOf(ids[firstAdvance - 1]), 0xfff);
    const last = uuidv7Timestamp(ids[ids.length - 1]);
    assert.ok(last > T + 1 && last <= T + 5, `10,000 IDs span ${last - T} ms`);
  });

  it('stays ordered when the injected clock steps backwards by 10 s, then catches up', () => {
    const T = 1_700_000_000_000;
    let now = T;
    const gen = createUuidV7Generator(() => now);
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push(gen());
    now = T - 10_000; // clock steps back
    for (let i = 0; i < 100; i++) ids.push(gen());
    now = T - 5_000;
    for (let i = 0; i < 100; i++) ids.push(gen());
    now = T + 20; // clock passes the last used ms again
    const resumed = gen();
    ids.push(resumed);
    assertStrictlyIncreasing(ids);
    for (const id of ids.slice(100, 300)) assert.strictEqual(uuidv7Timestamp(id), T, 'reuses the last ms');
    assert.strictEqual(uuidv7Timestamp(resumed), T + 20);
  });

  it('uuidv7Timestamp rejects non-UUIDs', () => {
    assert.throws(() => uuidv7Timestamp('not-a-uuid'), TypeError);
    assert.throws(() => uuidv7Timestamp('0123456789ab'), TypeError);
  });
});

// ---------------------------------------------------------------------------------------------
// KSUID
// ---------------------------------------------------------------------------------------------

describe('generators: ksuid', () => {
  // segmentio/ksuid README examples and the MIN / MAX string encodings.
  const VECTORS = [
    { id: '0ujtsYcgvSTl8PAuAdqWYSMnLOv', raw: '0669F7EFB5A1CD34B5F99D1154FB6853345C9735', timestamp: 107608047 },
    { id: '325ghCANEKjw6Jsfejg5p6QrLYB', raw: '15430DBBD7F68AD7CA0AE277772AB36DDB1A3C13', timestamp: 356715963 },
    { id: '000000000000000000000000000', raw: '00'.repeat(20), timestamp: 0 },
    { id: 'aWgEPTl1tmebfsQzFP4bxwgy80V', raw: 'FF'.repeat(20), timestamp: 0xffffffff },
  ];

  it('the test vectors agree with an independent BigInt base conversion', () => {
    for (const v of VECTORS) {
      const bytes = Buffer.from(v.raw, 'hex');
      assert.strictEqual(bigIntKsuid(bytes), v.id, `vector ${v.id}`);
      assert.strictEqual(bytes.readUInt32BE(0), v.timestamp);
    }
  });

  it('encodes the vectors from raw bytes (ksuidFromParts, ksuidFromBytes)', () => {
    for (const v of VECTORS) {
      const bytes = Buffer.from(v.raw, 'hex');
      assert.strictEqual(ksuidFromParts(bytes.readUInt32BE(0), bytes.subarray(4)), v.id);
      assert.strictEqual(ksuidFromBytes(new Uint8Array(bytes)), v.id);
    }
  });

  it('decodes the vectors (ksuidTimestamp, ksuidDecode)', () => {
    for (const v of VECTORS) {
      assert.strictEqual(ksuidTimestamp(v.id), v.timestamp);
      assert.strictEqual(Buffer.from(ksuidDecode(v.id)).toString('hex').toUpperCase(), v.raw);
    }
  });

  it('matches the BigInt reference on 5,000 random inputs, and decodes back', () => {
    for (let i = 0; i < 5000; i++) {
      const bytes = crypto.randomBytes(20);
      // Also exercise small values (leading zero digits).
      if (i % 10 === 0) bytes.fill(0, 0, 1 + (i % 19));
      const id = ksuidFromBytes(bytes);
      assert.strictEqual(id, bigIntKsuid(bytes));
      assert.deepStrictEqual(Buffer.from(ksuidDecode(id)), bytes);
      assert.deepStrictEqual(bigIntKsuidBytes(id), bytes);
    }
  });

  it('generated IDs decode to the current time (round trip, within 1 s)', () => {
    const id = createGenerator('ksuid')();
    const unix = ksuidTimestamp(id) + KSUID_EPOCH_SECONDS;
    assert.ok(Math.abs(unix - Date.now() / 1000) <= 1, `${unix} vs ${Date.now() / 1000}`);
    // And through the independent decoder.
    assert.strictEqual(bigIntKsuidBytes(id).readUInt32BE(0), ksuidTimestamp(id));
  });

  it('IDs generated at increasing seconds sort lexicographically in generation order', () => {
    let now = 1_700_000_000_000;
    const gen = createKsuidGenerator(() => now);
    const ids: string[] = [];
    for (let i = 0; i < 2000; i++) {
      ids.push(gen());
      now += 1000;
    }
    assert.deepStrictEqual([...ids].sort(), ids);
    assertStrictlyIncreasing(ids);
    assert.strictEqual(ksuidTimestamp(ids[0]), 1_700_000_000 - KSUID_EPOCH_SECONDS);
    assert.strictEqual(ksuidTimestamp(ids[1999]), 1_700_000_000 - KSUID_EPOCH_SECONDS + 1999);
  });

  it('never emits a timestamp lower than the last one when the clock steps backwards', () => {
    const T = 1_700_000_000_000;
    let now = T;
    const gen = createKsuidGenerator(() => now);
    const stamps: number[] = [];
    const step = (ms: number, n: number): void => {
      now = ms;
      for (let i = 0; i < n; i++) stamps.push(ksuidTimestamp(gen()));
    };
    step(T, 10);
    step(T - 10_000, 10); // back 10 s
    step(T - 3_000, 10);
    step(T + 2_000, 10); // forward past the last emitted second
    for (let i = 1; i < stamps.length; i++) assert.ok(stamps[i] >= stamps[i - 1], `timestamp went back at ${i}`);
    const t0 = T / 1000 - KSUID_EPOCH_SECONDS;
    assert.deepStrictEqual(stamps.slice(10, 30), new Array(20).fill(t0));
    assert.strictEqual(stamps[30], t0 + 2);
  });

  it('clamps clocks before the KSUID epoch to timestamp 0', () => {
    assert.strictEqual(ksuidTimestamp(createKsuidGenerator(() => 0)()), 0);
  });

  it('rejects bad inputs to ksuidFromParts and ksuidDecode', () => {
    assert.throws(() => ksuidFromParts(-1, new Uint8Array(16)), RangeError);
    assert.throws(() => ksuidFromParts(2 ** 32, new Uint8Array(16)), RangeError);
    assert.throws(() => ksuidFromParts(1.5, new Uint8Array(16)), RangeError);
    assert.throws(() => ksuidFromParts(1, new Uint8Array(15)), TypeError);
    assert.throws(() => ksuidDecode('0ujtsYcgvSTl8PAuAdqWYSMnLO'), TypeError); // 26 chars
    assert.throws(() => ksuidDecode('0ujtsYcgvSTl8PAuAdqWYSMnLO-'), TypeError); // bad char
    assert.throws(() => ksuidDecode('aWgEPTl1tmebfsQzFP4bxwgy80W'), TypeError); // MAX + 1: over 160 bits
    assert.throws(() => ksuidDecode('zzzzzzzzzzzzzzzzzzzzzzzzzzz'), TypeError);
  });
});
