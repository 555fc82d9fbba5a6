/**
 * How many call events one incoming request's SERVER span gets, across all vendors together.
 *
 * The SDK keeps at most `eventCountLimit` events on a span (128 by default,
 * OTEL_SPAN_EVENT_COUNT_LIMIT) and drops the oldest past it: 100 calls to each of six vendors once
 * left only the last four vendors' events, and no `aws.call` at all. So the call events together
 * stay within half the limit (64 of 128), the other half left to the app's own events and the
 * instrumentations' (exceptions, logs). Within that budget every vendor is first guaranteed its
 * first calls (a share of half the budget, split over every vendor that could appear, at least 1),
 * then the rest is a pool taken first come, each vendor still at most its own `maxCallEvents`.
 */
export class CallEventBudget {
  /** Per event name: [calls, calls with an event]. */
  private readonly vendors = new Map<string, [number, number]>();
  private total = 0;
  private poolUsed = 0;
  private readonly guaranteed: number;
  private readonly pool: number;
  /** At most this many call events on the span. */
  readonly budget: number;

  constructor(
    /** The span's event limit, as the SDK applies it. */
    eventCountLimit: number,
    /** How many vendors could add call events: each is guaranteed a share. */
    vendorCount: number,
    /** Never more than this, whatever the limit: the events are kept in memory until the span ends. */
    ceiling = MAX_CALL_EVENTS_PER_REQUEST,
  ) {
    this.budget = Math.min(ceiling, Math.floor(Math.max(0, eventCountLimit) / 2));
    this.guaranteed = this.budget === 0 ? 0 : Math.max(1, Math.floor(this.budget / (2 * Math.max(1, vendorCount))));
    this.pool = Math.max(0, this.budget - this.guaranteed * vendorCount);
  }

  /** Counts one call of `callEvent`'s vendor; true when it gets its event. */
  admit(callEvent: string, maxCallEvents: number): boolean {
    let counts = this.vendors.get(callEvent);
    if (counts === undefined) this.vendors.set(callEvent, (counts = [0, 0]));
    counts[0]++;
    const recorded = counts[1];
    if (recorded >= maxCallEvents || this.total >= this.budget) return false;
    if (recorded >= this.guaranteed) {
      if (this.poolUsed >= this.pool) return false;
      this.poolUsed++;
    }
    counts[1]++;
    this.total++;
    return true;
  }

  /** The calls of `callEvent`'s vendor that got no event. */
  dropped(callEvent: string): number {
    const counts = this.vendors.get(callEvent);
    return counts === undefined ? 0 : counts[0] - counts[1];
  }
}

// 512 call events of about 6 attributes each is some 100 KB per request held until the span ends.
export const MAX_CALL_EVENTS_PER_REQUEST = 512;
