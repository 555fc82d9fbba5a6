/**
 * The transport-neutral decision (src/incoming/decide.ts) driven through its adapter seam: a tiny
 * adapter over plain objects stands for a transport, the config is compiled by the real
 * compileConfig, and failures go through a real Guard into a diag logger that keeps its lines.
 */
import * as assert from 'node:assert/strict';
import type { DiagLogger } from '@opentelemetry/api';
import { compileConfig } from '../../src/config/compile-config';
import type { RequestIdState } from '../../src/context/request-state';
import { Guard } from '../../src/diag';
import { decideRequestIds } from '../../src/incoming/decide';
import type { IncomingAdapter } from '../../src/internal-types';
import type { IncomingRequest as HookRequest, RequestIdInstrumentationConfig } from '../../src/types';

/** What a transport hands the core: headers as the transport joined them, how often each was sent, the peer. */
interface FakeRequest {
  headers: Record<string, string | string[]>;
  counts: Record<string, number>;
  path: string;
  socket: { remoteAddress?: string };
}
type Echoes = [name: string, key: string, value: string][];

const adapter: IncomingAdapter<HookRequest, Echoes> = {
  header: (req, key) => (req as unknown as FakeRequest).headers[key],
  headerCount: (req, key) => (req as unknown as FakeRequest).counts[key] ?? ((req as unknown as FakeRequest).headers[key] === undefined ? 0 : 1),
  path: (req) => (req as unknown as FakeRequest).path,
  setResponseHeader: (res, name, key, value) => void res.push([name, key, value]),
};

function request(headers: Record<string, string | string[]> = {}, extra: Partial<FakeRequest> = {}): HookRequest {
  return { headers, counts: {}, path: '/', socket: { remoteAddress: '127.0.0.1' }, ...extra } as unknown as HookRequest;
}

/** A generator whose IDs say which rule made them and in which order. */
function counter(prefix: string): () => string {
  let n = 0;
  return () => `${prefix}${++n}`;
}

function setup(config: RequestIdInstrumentationConfig = {}) {
  const errors: string[] = [];
  const log = { error: (m: string) => errors.push(m), warn() {}, info() {}, debug() {}, verbose() {} } as DiagLogger;
  const guard = new Guard(() => log);
  const compiled = compileConfig({ algorithm: counter('gen-'), ...config }, guard);
  return {
    errors,
    decide(req: HookRequest, existing?: RequestIdState): { state: RequestIdState | null | undefined; echoes: Echoes } {
      const echoes: Echoes = [];
      return { state: decideRequestIds(adapter, req, echoes, existing, compiled, guard), echoes };
    },
  };
}

describe('decideRequestIds through a test adapter', () => {
  describe('one rule', () => {
    it('no header: a generated ID, echoed, on the state and its attribute, no original', () => {
      const { state, echoes } = setup().decide(request());
      assert.equal(state?.id, 'gen-1');
      assert.equal(state?.incoming, true);
      assert.deepEqual(state?.byHeader, { 'x-request-id': 'gen-1' });
      assert.deepEqual(state?.attributes, { 'request.id': 'gen-1' });
      assert.deepEqual(echoes, [['X-Request-Id', 'x-request-id', 'gen-1']]);
    });

    it('an empty header is no header: a generated ID and no original', () => {
      const { state } = setup().decide(request({ 'x-request-id': '' }));
      assert.equal(state?.id, 'gen-1');
      assert.deepEqual(state?.attributes, { 'request.id': 'gen-1' });
    });

    it('a valid ID from a trusted peer is reused and echoed as it came', () => {
      const { state, echoes } = setup().decide(request({ 'x-request-id': 'abc-123' }));
      assert.equal(state?.id, 'abc-123');
      assert.deepEqual(echoes, [['X-Request-Id', 'x-request-id', 'abc-123']]);
      assert.deepEqual(state?.attributes, { 'request.id': 'abc-123' });
    });

    it('trustIncoming: false replaces a valid ID and keeps it as the original', () => {
      const { state, echoes } = setup({ trustIncoming: false }).decide(request({ 'x-request-id': 'abc-123' }));
      assert.equal(state?.id, 'gen-1');
      assert.deepEqual(echoes, [['X-Request-Id', 'x-request-id', 'gen-1']]);
      assert.deepEqual(state?.attributes, { 'request.id': 'gen-1', 'request.id.original': 'abc-123' });
    });

    it('trustIncoming as CIDRs: the peer inside is trusted, the one outside and one without an address are not', () => {
      const { decide } = setup({ trustIncoming: ['10.0.0.0/8'] });
      assert.equal(decide(request({ 'x-request-id': 'in' }, { socket: { remoteAddress: '10.1.2.3' } })).state?.id, 'in');
      assert.equal(decide(request({ 'x-request-id': 'out' }, { socket: { remoteAddress: '192.168.1.1' } })).state?.id, 'gen-1');
      assert.equal(decide(request({ 'x-request-id': 'none' }, { socket: {} })).state?.id, 'gen-2');
    });

    it('an invalid ID is replaced; the original is escaped, never raw', () => {
      const { state, echoes } = setup().decide(request({ 'x-request-id': 'bad id\r\nSet-Cookie: x\\' }));
      assert.equal(state?.id, 'gen-1');
      assert.deepEqual(echoes, [['X-Request-Id', 'x-request-id', 'gen-1']]);
      assert.equal(state?.attributes['request.id.original'], 'bad id\\x0d\\x0aSet-Cookie: x\\\\');
    });

    it('validation limits: too long and too short are replaced, the bounds themselves reused', () => {
      const { decide } = setup({ validation: { minLength: 3, maxLength: 5 } });
      assert.equal(decide(request({ 'x-request-id': 'abc' })).state?.id, 'abc');
      assert.equal(decide(request({ 'x-request-id': 'abcde' })).state?.id, 'abcde');
      assert.equal(decide(request({ 'x-request-id': 'ab' })).state?.id, 'gen-1');
      assert.equal(decide(request({ 'x-request-id': 'abcdef' })).state?.id, 'gen-2');
    });

    it('a repeated header is never one ID, even when the pattern allows its joined form', () => {
      const { decide } = setup({ validation: { pattern: /^[a-z0-9, -]+$/ } });
      // Sent once, with a comma in it: one ID.
      assert.equal(decide(request({ 'x-request-id': 'a, b' }, { counts: { 'x-request-id': 1 } })).state?.id, 'a, b');
      // Sent twice and joined by the transport: replaced, the joined value kept as the original.
      const joined = decide(request({ 'x-request-id': 'a, b' }, { counts: { 'x-request-id': 2 } })).state;
      assert.equal(joined?.id, 'gen-1');
      assert.equal(joined?.attributes['request.id.original'], 'a, b');
      // Given as a list (HTTP/2's form of a repeated header): replaced, joined for the original.
      const list = decide(request({ 'x-request-id': ['a', 'b'] })).state;
      assert.equal(list?.id, 'gen-2');
      assert.equal(list?.attributes['request.id.original'], 'a, b');
    });

    it('includeInResponse: false decides an ID and echoes nothing', () => {
      const { state, echoes } = setup({ includeInResponse: false }).decide(request({ 'x-request-id': 'abc' }));
      assert.equal(state?.id, 'abc');
      assert.deepEqual(echoes, []);
    });

    it('headerName is read in lower case and echoed as configured', () => {
      const { state, echoes } = setup({ headerName: 'X-Correlation-ID' }).decide(request({ 'x-correlation-id': 'c-1', 'x-request-id': 'other' }));
      assert.equal(state?.id, 'c-1');
      assert.deepEqual(echoes, [['X-Correlation-ID', 'x-correlation-id', 'c-1']]);
    });
  });

  describe('generator choice', () => {
    it('the configured algorithm makes the ID: uuidv7, range_id with its charset and length', () => {
      const v7 = setup({ algorithm: 'uuidv7' }).decide(request()).state?.id;
      assert.match(v7 ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const range = setup({ algorithm: 'range_id', rangeId: { charSet: 'abcdef', length: 8 } }).decide(request()).state?.id;
      assert.match(range ?? '', /^[a-f]{8}$/);
    });

    it('a route rule with its own algorithm uses it; one without inherits the global generator', () => {
      const { decide } = setup({
        rules: [
          { match: '/own', algorithm: counter('own-') },
          { match: '/inherit', attributeName: 'inherited' },
        ],
      });
      assert.equal(decide(request({}, { path: '/own/x' })).state?.id, 'own-1');
      assert.equal(decide(request({}, { path: '/inherit' })).state?.id, 'gen-1');
    });
  });

  describe('ignore', () => {
    it('an ignored request gets null: no ID made, nothing echoed', () => {
      const { decide } = setup({ ignore: ['/health', /^\/metrics$/] });
      for (const path of ['/health', '/health/deep', '/metrics']) {
        const { state, echoes } = decide(request({ 'x-request-id': 'abc' }, { path }));
        assert.equal(state, null, path);
        assert.deepEqual(echoes, [], path);
      }
      // Whole segments: /healthz is not /health. The generator was not called for the ignored ones.
      assert.equal(decide(request({}, { path: '/healthz' })).state?.id, 'gen-1');
    });

    it('a throwing ignore function counts as not matching, reported once through diag', () => {
      const { decide, errors } = setup({
        ignore: () => {
          throw new Error('ignore broke');
        },
      });
      assert.equal(decide(request({ 'x-request-id': 'abc' })).state?.id, 'abc');
      assert.equal(decide(request()).state?.id, 'gen-1');
      assert.equal(errors.length, 1);
      assert.match(errors[0], /the ignore function threw; treating it as not matching: Error: ignore broke/);
    });
  });

  describe('trust hooks', () => {
    it('the trustIncoming function decides per request; a throw means untrusted, reported once', () => {
      const { decide, errors } = setup({
        trustIncoming: (req) => {
          const peer = (req as unknown as FakeRequest).socket.remoteAddress;
          if (peer === 'boom') throw new Error('trust broke');
          return peer === '10.0.0.1';
        },
      });
      assert.equal(decide(request({ 'x-request-id': 'abc' }, { socket: { remoteAddress: '10.0.0.1' } })).state?.id, 'abc');
      assert.equal(decide(request({ 'x-request-id': 'abc' }, { socket: { remoteAddress: '10.0.0.2' } })).state?.id, 'gen-1');
      for (let i = 0; i < 3; i++) {
        const { state } = decide(request({ 'x-request-id': 'abc' }, { socket: { remoteAddress: 'boom' } }));
        assert.equal(state?.id, `gen-${i + 2}`);
        assert.equal(state?.attributes['request.id.original'], 'abc');
      }
      assert.equal(errors.length, 1);
      assert.match(errors[0], /trustIncoming function threw; treating the request as untrusted/);
    });

    it('an invalid ID is replaced without asking trustIncoming', () => {
      let asked = 0;
      const { decide } = setup({ trustIncoming: () => (asked++, true) });
      decide(request({ 'x-request-id': 'not valid!' }));
      assert.equal(asked, 0);
      decide(request({ 'x-request-id': 'valid' }));
      assert.equal(asked, 1);
    });
  });

  describe('route rules', () => {
    it('a rule for the global header replaces the global rule: its echo setting and attribute', () => {
      const { decide } = setup({ rules: [{ match: '/quiet', includeInResponse: false, attributeName: 'quiet.id' }] });
      const { state, echoes } = decide(request({}, { path: '/quiet' }));
      assert.equal(state?.id, 'gen-1');
      assert.deepEqual(echoes, []);
      assert.deepEqual(state?.attributes, { 'quiet.id': 'gen-1' });
      // Elsewhere the global rule alone.
      assert.deepEqual(decide(request({}, { path: '/loud' })).echoes, [['X-Request-Id', 'x-request-id', 'gen-2']]);
    });

    it('a rule with another header adds a second ID: both echoed, both on the state, the global one primary', () => {
      const { decide } = setup({ rules: [{ match: '/api', headerName: 'X-Trace-Key', algorithm: counter('key-') }] });
      const { state, echoes } = decide(request({ 'x-request-id': 'abc' }, { path: '/api/users' }));
      assert.equal(state?.id, 'abc');
      assert.deepEqual(state?.byHeader, { 'x-request-id': 'abc', 'x-trace-key': 'key-1' });
      assert.deepEqual(state?.attributes, { 'request.id': 'abc', 'request.id.x-trace-key': 'key-1' });
      assert.deepEqual(echoes, [
        ['X-Request-Id', 'x-request-id', 'abc'],
        ['X-Trace-Key', 'x-trace-key', 'key-1'],
      ]);
      // A path outside the rule: one ID.
      assert.deepEqual(decide(request({}, { path: '/apix' })).state?.byHeader, { 'x-request-id': 'gen-1' });
    });

    it('a throwing match function counts as not matching, reported once', () => {
      const { decide, errors } = setup({
        rules: [
          {
            match: () => {
              throw new Error('match broke');
            },
            headerName: 'X-Other',
          },
        ],
      });
      assert.deepEqual(decide(request()).state?.byHeader, { 'x-request-id': 'gen-1' });
      assert.deepEqual(decide(request()).state?.byHeader, { 'x-request-id': 'gen-2' });
      assert.equal(errors.length, 1);
      assert.match(errors[0], /rules\.match function threw; treating it as not matching/);
    });
  });

  describe('an existing state (another instance or package copy got there first)', () => {
    it('one header, one ID: the existing state is returned, nothing generated or echoed again', () => {
      const existing: RequestIdState = { id: 'first', incoming: true, byHeader: { 'x-request-id': 'first' }, attributes: { 'request.id': 'first' } };
      const { state, echoes } = setup().decide(request({ 'x-request-id': 'abc' }), existing);
      assert.equal(state, existing);
      assert.equal(state?.id, 'first');
      assert.deepEqual(echoes, []);
    });

    it('another header: added to the existing state, which keeps its primary ID', () => {
      const existing: RequestIdState = { id: 'first', incoming: true, byHeader: { 'x-other': 'first' }, attributes: { other: 'first' } };
      const { state, echoes } = setup({ rules: [{ match: '/', headerName: 'X-Request-Id' }] }).decide(request(), existing);
      assert.equal(state, existing);
      assert.equal(state?.id, 'first');
      assert.deepEqual(state?.byHeader, { 'x-other': 'first', 'x-request-id': 'gen-1' });
      assert.deepEqual(state?.attributes, { other: 'first', 'request.id': 'gen-1' });
      assert.deepEqual(echoes, [['X-Request-Id', 'x-request-id', 'gen-1']]);
    });
  });
});
