/** Small statistics helpers shared by the benchmarks. */

/** The q-quantile (0..1) of `xs` by linear interpolation between closest ranks. */
export function quantile(xs: ArrayLike<number>, q: number): number {
  const a = Array.from(xs).sort((x, y) => x - y);
  if (a.length === 0) return NaN;
  const pos = (a.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return a[lo] + (a[hi] - a[lo]) * (pos - lo);
}

export function median(xs: ArrayLike<number>): number {
  return quantile(xs, 0.5);
}

export interface Quartiles {
  q1: number;
  median: number;
  q3: number;
  min: number;
  max: number;
}

export function quartiles(xs: ArrayLike<number>): Quartiles {
  return {
    q1: quantile(xs, 0.25),
    median: quantile(xs, 0.5),
    q3: quantile(xs, 0.75),
    min: quantile(xs, 0),
    max: quantile(xs, 1),
  };
}

/** Least-squares slope of y over x (x defaults to 0, 1, 2, ...). */
export function slope(ys: readonly number[], xs: readonly number[] = ys.map((_, i) => i)): number {
  const n = ys.length;
  if (n < 2) return 0;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export const round = (x: number, digits: number): number => +x.toFixed(digits);

/** Quartiles rounded to `digits` decimals (for JSON and tables). */
export function mapQ(q: Quartiles, digits: number): Quartiles {
  return { q1: round(q.q1, digits), median: round(q.median, digits), q3: round(q.q3, digits), min: round(q.min, digits), max: round(q.max, digits) };
}

/** The arrays one after the other. */
export function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * A 95 % confidence interval of the median of `xs` by bootstrap (resampling with replacement),
 * with a fixed-seed generator so that the same numbers give the same interval.
 */
export function medianCI(xs: readonly number[], resamples = 2000): { low: number; high: number } {
  if (xs.length === 0) return { low: NaN, high: NaN };
  let seed = 0x9e3779b9;
  const next = (): number => {
    // xorshift32: deterministic, good enough to pick indices.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x1_0000_0000;
  };
  const medians = new Float64Array(resamples);
  const sample = new Float64Array(xs.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < xs.length; i++) sample[i] = xs[Math.floor(next() * xs.length)];
    medians[r] = median(sample);
  }
  return { low: quantile(medians, 0.025), high: quantile(medians, 0.975) };
}
