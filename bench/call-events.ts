/**
 * The cost of bounding call events across vendors (src/capture/call-event-budget.ts), per incoming
 * request, on a real SDK SERVER span: each "request" starts a span, records 30 calls (10 each to
 * three vendors) and ends it. Three cases, interleaved round by round (order rotated):
 * - `events only`: addEvent for every call, no bound (the floor);
 * - `per vendor (before)`: the bound this package had before, a count per vendor on a plain object, at most 32;
 * - `budget (now)`: CallEventBudget, made at the request's first call.
 * Reported: median CPU ns per request (process.cpuUsage) and the ratio of each case to `events
 * only` with a bootstrap 95 % interval of the ratios' median.
 *
 *   node -r ts-node/register/transpile-only bench/call-events.ts [--quick]
 */
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { CallEventBudget } from '../src/capture/call-event-budget';
import { median, medianCI } from './lib/stats';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 10 : 40;
const REQUESTS_PER_ROUND = quick ? 2000 : 5000;
const VENDORS = ['aws.call', 'rid.openai.call', 'rid.stripe.call'];
const CALLS = 30;
const tracer = new TracerProvider().getTracer('bench');
const attributes = { 'http.request.method': 'GET', 'http.response.status_code': 200, 'aws.request_id': 'ABCDEFGHIJKLMNOP' };

type Case = () => void;
const cases: Record<string, Case> = {
  'events only': () => {
    const span = tracer.startSpan('GET /');
    for (let i = 0; i < CALLS; i++) span.addEvent(VENDORS[i % 3], attributes);
    span.end();
  },
  'per vendor (before)': () => {
    const span = tracer.startSpan('GET /');
    let counts: Record<string, number> | undefined;
    for (let i = 0; i < CALLS; i++) {
      const name = VENDORS[i % 3];
      counts ??= {};
      const count = (counts[name] ?? 0) + 1;
      counts[name] = count;
      if (count > 32) span.setAttribute('dropped', count - 32);
      else span.addEvent(name, attributes);
    }
    span.end();
  },
  'budget (now)': () => {
    const span = tracer.startSpan('GET /');
    let budget: CallEventBudget | undefined;
    for (let i = 0; i < CALLS; i++) {
      const name = VENDORS[i % 3];
      budget ??= new CallEventBudget(128, 12);
      if (budget.admit(name, 32)) span.addEvent(name, attributes);
      else span.setAttribute('dropped', budget.dropped(name));
    }
    span.end();
  },
};

function cpuNsPerRequest(run: Case): number {
  const start = process.cpuUsage();
  for (let i = 0; i < REQUESTS_PER_ROUND; i++) run();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / REQUESTS_PER_ROUND;
}

const names = Object.keys(cases);
for (const name of names) for (let i = 0; i < 3; i++) cpuNsPerRequest(cases[name]); // warm-up
const perRound: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(round + k) % names.length];
    perRound[name].push(cpuNsPerRequest(cases[name]));
  }
}
const base = perRound['events only'];
for (const name of names) {
  const ratios = perRound[name].map((ns, i) => ns / base[i]);
  const ci = medianCI(ratios);
  console.log(
    `${name.padEnd(20)} ${Math.round(median(perRound[name]))} ns/request  ratio to events only ${median(ratios).toFixed(3)} [${ci.low.toFixed(3)}, ${ci.high.toFixed(3)}]`,
  );
}
