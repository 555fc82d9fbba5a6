import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { CallEventBudget, MAX_CALL_EVENTS_PER_REQUEST } from '../../src/capture/call-event-budget';

describe('CallEventBudget: call events of one request across vendors', () => {
  it('a limit of 0 records nothing and counts every call as dropped; no limit (Infinity) is bounded by the ceiling', () => {
    const none = new CallEventBudget(0, 3);
    for (let i = 0; i < 5; i++) assert.equal(none.admit('aws.call', 32), false);
    assert.equal(none.dropped('aws.call'), 5);
    assert.equal(new CallEventBudget(Infinity, 3).budget, MAX_CALL_EVENTS_PER_REQUEST);
  });

  it('property: whatever the limit, vendors and order of calls, events stay within half the limit, every vendor that calls keeps its first call while the budget allows one per vendor, and events + dropped = calls', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 15 }), fc.array(fc.nat({ max: 14 }), { maxLength: 600 }), (limit, vendorCount, calls) => {
        const budget = new CallEventBudget(limit, vendorCount);
        const events = new Map<number, number>();
        const made = new Map<number, number>();
        const order = calls.map((c) => c % vendorCount);
        for (const v of order) {
          made.set(v, (made.get(v) ?? 0) + 1);
          if (budget.admit(`v${v}.call`, 32)) events.set(v, (events.get(v) ?? 0) + 1);
        }
        const total = [...events.values()].reduce((a, b) => a + b, 0);
        assert.ok(total <= Math.floor(limit / 2), `${total} events for a limit of ${limit}`);
        for (const [v, n] of made) {
          assert.equal((events.get(v) ?? 0) + budget.dropped(`v${v}.call`), n);
          assert.ok((events.get(v) ?? 0) <= 32);
          if (Math.floor(limit / 2) >= vendorCount) assert.ok((events.get(v) ?? 0) >= 1, `vendor ${v} kept its first call`);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
