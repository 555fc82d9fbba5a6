/**
 * One `propagateTo` decision per outgoing call, whichever component writes the header: our
 * outgoing hooks, or RequestIdPropagator inside the global propagator that HttpInstrumentation and
 * instrumentation-undici call. Each set-up is checked with a listed destination (127.0.0.1) and an
 * unlisted one (the same server as `localhost`), over http.get, fetch, and a fetch redirect from a
 * listed host to an unlisted one.
 */
import '../support/otel';
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { propagation, ROOT_CONTEXT, type TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { getRequestId, RequestIdPropagator, runWithRequestId, type PropagateTo } from '../../src';
import { ensureBuilt, startApp, type ChildApp } from '../support/child-app';
import { get, startServer, type TestServer } from '../support/http';
import { diagLines } from '../support/otel';
import { useTestScope } from '../support/scope';

interface Received {
  path: string;
  id: string | null;
  baggage: string | null;
}

interface Answer {
  id: string;
  httpListed: string | null;
  httpUnlisted: string | null;
  fetchListed: string | null;
  fetchUnlisted: string | null;
  fetchRedirected: string | null;
}

function getJson(url: string): Promise<{ received: string | null }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => resolve(JSON.parse(body)));
      })
      .on('error', reject);
  });
}

const fetchJson = async (url: string): Promise<{ received: string | null }> => (await (await fetch(url)).json()) as { received: string | null };

/** The calls the fixture app makes, in-process. */
async function callAll(urls: Urls): Promise<Answer> {
  return {
    id: getRequestId()!,
    httpListed: (await getJson(urls.listed)).received,
    httpUnlisted: (await getJson(urls.unlisted)).received,
    fetchListed: (await fetchJson(urls.listed)).received,
    fetchUnlisted: (await fetchJson(urls.unlisted)).received,
    fetchRedirected: (await fetchJson(urls.redirect)).received,
  };
}

interface Urls {
  listed: string;
  unlisted: string;
  redirect: string;
}

describe('propagateTo: one decision per outgoing call under every set-up', function () {
  this.timeout(30_000);
  const { instrument, serve } = useTestScope();
  let downstream: TestServer;
  let redirector: TestServer;
  let received: Received[];
  let urls: Urls;

  beforeEach(async () => {
    received = [];
    const record = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      const id = (req.headers['x-request-id'] as string | undefined) ?? null;
      received.push({ path: req.url!, id, baggage: (req.headers.baggage as string | undefined) ?? null });
      res.end(JSON.stringify({ received: id }));
    };
    downstream = await startServer(record);
    redirector = await startServer((req, res) => {
      record(req, res.writeHead(302, { location: `${downstream.url.replace('127.0.0.1', 'localhost')}/redirected` }));
    });
    urls = {
      listed: `${downstream.url}/listed`,
      unlisted: `${downstream.url.replace('127.0.0.1', 'localhost')}/unlisted`,
      redirect: `${redirector.url}/redirect`,
    };
  });
  afterEach(async () => {
    await downstream.close();
    await redirector.close();
  });

  /** Only the listed destinations and the redirect's first (listed) hop got the ID. */
  function assertListedOnly(answer: Answer): void {
    assert.ok(answer.id, 'the app saw a request ID');
    assert.deepEqual(
      { ...answer, id: undefined },
      { id: undefined, httpListed: answer.id, httpUnlisted: null, fetchListed: answer.id, fetchUnlisted: null, fetchRedirected: null },
    );
    assert.equal(
      received.find((r) => r.path === '/redirect')?.id,
      answer.id,
      'the redirect came from a listed host, so its first hop got the ID',
    );
  }

  function assertNothingSent(answer: Answer): void {
    assert.ok(answer.id, 'the app saw a request ID');
    assert.deepEqual(
      received.map((r) => r.id),
      received.map(() => null),
      `no destination received the ID: ${JSON.stringify(received)}`,
    );
    assert.equal(received.length, 6, 'every call was made (the redirect is two requests)');
  }

  /** Runs `fn` with `propagator` as the global propagator, as a user's own NodeSDK would register it. */
  async function withGlobalPropagator<T>(propagator: TextMapPropagator, fn: () => Promise<T>): Promise<T> {
    const original = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
    propagation.disable();
    propagation.setGlobalPropagator(propagator);
    try {
      return await fn();
    } finally {
      propagation.disable();
      propagation.setGlobalPropagator(original);
    }
  }

  const userComposite = (): TextMapPropagator =>
    new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator(), new RequestIdPropagator({ baggage: true })],
    });

  describe('in-process', () => {
    async function run(propagateTo: PropagateTo): Promise<Answer> {
      instrument({ propagateTo });
      const app = await serve(async (_req, res) => res.end(JSON.stringify(await callAll(urls))));
      const res = await get(app.url);
      const answer = JSON.parse(res.body) as Answer;
      assert.equal(answer.id, res.headers['x-request-id']);
      return answer;
    }

    it('the instrumentation alone: listed hosts only, per redirect hop', async () => {
      assertListedOnly(await run(['127.0.0.1']));
    });

    it("a user's own CompositePropagator with RequestIdPropagator (and its baggage entry): listed hosts only, per redirect hop", async () => {
      const answer = await withGlobalPropagator(userComposite(), () => run(['127.0.0.1']));
      assertListedOnly(answer);
      // The propagator's baggage entry is withdrawn with the header, and kept where the ID may go.
      assert.equal(received.find((r) => r.path === '/listed')?.baggage, `request.id=${answer.id}`);
      for (const path of ['/unlisted', '/redirected']) assert.equal(received.find((r) => r.path === path)?.baggage, null, path);
    });

    it("a user's CompositePropagator: a header the app set itself still wins for a listed host", async () => {
      instrument({ propagateTo: ['127.0.0.1'] });
      const app = await serve(async (_req, res) => {
        const viaHttp = await new Promise<string>((resolve, reject) => {
          http
            .get(urls.listed, { headers: { 'X-Request-Id': 'app-own' } }, (r) => {
              let body = '';
              r.on('data', (c: Buffer) => (body += c));
              r.on('end', () => resolve(JSON.parse(body).received));
            })
            .on('error', reject);
        });
        const viaFetch = (await (await fetch(urls.listed, { headers: { 'x-request-id': 'app-fetch' } })).json()) as { received: string };
        res.end(JSON.stringify([viaHttp, viaFetch.received]));
      });
      const body = await withGlobalPropagator(userComposite(), async () => JSON.parse((await get(app.url)).body));
      assert.deepEqual(body, ['app-own', 'app-fetch']);
    });

    for (const [name, setUp] of [
      ['the instrumentation alone', (fn: () => Promise<Answer>) => fn()],
      ["a user's CompositePropagator", (fn: () => Promise<Answer>) => withGlobalPropagator(userComposite(), fn)],
    ] as const) {
      it(`${name}: false sends nothing anywhere`, async () => {
        assertNothingSent(await setUp(() => run(false)));
      });

      it(`${name}: a throwing function fails closed, reported once`, async () => {
        assertNothingSent(
          await setUp(() =>
            run(() => {
              throw new Error('filter down');
            }),
          ),
        );
        assert.equal(diagLines.filter((l) => l.message.includes('propagateTo function threw')).length, 1, JSON.stringify(diagLines));
      });
    }

    it('carriers with no destination (gRPC metadata, Kafka headers, SQS attributes): carried unless propagateTo is false', () => {
      const propagator = new RequestIdPropagator();
      const inject = (): Record<string, string> => {
        const carrier: Record<string, string> = {};
        runWithRequestId('job-42', () => propagator.inject(propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage()), carrier));
        return carrier;
      };
      const cases: [PropagateTo, Record<string, string>][] = [
        [true, { 'x-request-id': 'job-42' }],
        [['internal.example'], { 'x-request-id': 'job-42' }],
        [() => false, { 'x-request-id': 'job-42' }],
        [false, {}],
      ];
      for (const [propagateTo, expected] of cases) {
        const inst = instrument({ propagateTo });
        assert.deepEqual(inject(), expected, `propagateTo ${String(propagateTo)}`);
        inst.disable();
      }
      assert.deepEqual(inject(), { 'x-request-id': 'job-42' }, 'no instrumentation enabled: nothing restricts the propagator');
      const inst = instrument({ propagateTo: true });
      inst.setConfig({ propagateTo: false });
      assert.deepEqual(inject(), {}, 'setConfig takes effect');
    });
  });

  describe('child processes', () => {
    let app: ChildApp | undefined;
    before(() => ensureBuilt());
    afterEach(async () => {
      await app?.stop('SIGKILL');
      app = undefined;
    });

    async function run(nodeArgs: string[], env: Record<string, string>): Promise<Answer> {
      app = await startApp(nodeArgs, 'propagate-to-app.js', {
        OTEL_TRACES_EXPORTER: 'none',
        LISTED_URL: urls.listed,
        UNLISTED_URL: urls.unlisted,
        REDIRECT_URL: urls.redirect,
        ...env,
      });
      const res = await get(`${app.url}/calls`);
      assert.equal(res.status, 200, res.body);
      const answer = JSON.parse(res.body) as Answer;
      assert.equal(answer.id, res.headers['x-request-id']);
      return answer;
    }

    it('register (request-id among the default propagators): RID_PROPAGATE_TO=127.0.0.1 sends to listed hosts only', async () => {
      assertListedOnly(await run(['--require', '@rid/otel/register'], { MODE: 'register', RID_PROPAGATE_TO: '127.0.0.1' }));
    });

    it('register: RID_PROPAGATE_TO=false sends nothing', async () => {
      assertNothingSent(await run(['--require', '@rid/otel/register'], { MODE: 'register', RID_PROPAGATE_TO: 'false' }));
    });

    it('withRequestId() (instrumentation-undici constructed first): listed hosts only', async () => {
      assertListedOnly(await run([], { MODE: 'with-request-id', PROPAGATE_TO: '127.0.0.1' }));
    });

    it('withRequestId(): false sends nothing, and a throwing function fails closed, reported once', async () => {
      assertNothingSent(await run([], { MODE: 'with-request-id', PROPAGATE_TO: 'false' }));
      await app!.stop('SIGKILL');
      received.length = 0;
      assertNothingSent(await run([], { MODE: 'with-request-id', PROPAGATE_TO: 'throw', OTEL_LOG_LEVEL: 'error' }));
      await get(`${app!.url}/calls`);
      const reports = app!.stdout.concat(app!.stderr).filter((l) => l.includes('propagateTo function threw'));
      assert.equal(reports.length, 1, `reported once: ${JSON.stringify(app!.stderr)}`);
    });
  });
});
