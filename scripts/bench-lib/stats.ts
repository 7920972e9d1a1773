// Small numeric helpers shared by the benchmark driver and its receiver: one clock both processes
// read, percentiles over recorded latencies, and rounding for the printed figures.

/**
 * Milliseconds since the Unix epoch with sub-millisecond resolution. Every bench process reads the
 * same machine clock this way, so a publish time taken in the driver and an arrival time taken in the
 * receiver can be subtracted (they agree to well under a millisecond on one machine).
 */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The q-quantile (0..1) of already sorted values by nearest rank; NaN when there are none. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (q <= 0) return sorted[0] as number;
  if (q >= 1) return sorted[sorted.length - 1] as number;
  const rank = Math.ceil(q * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}

export interface LatencySummary {
  count: number;
  p50_ms: number | null;
  p90_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
}

/** Summarises latencies (ms); sorts the array in place. */
export function summariseLatencies(values: Float64Array): LatencySummary {
  values.sort();
  const pick = (q: number) => (values.length === 0 ? null : round(quantileSorted(values, q), 2));
  return { count: values.length, p50_ms: pick(0.5), p90_ms: pick(0.9), p99_ms: pick(0.99), max_ms: pick(1) };
}

/** Rounds to `digits` decimals; keeps integers as they are. */
export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Per-second rate of `count` over `ms` milliseconds; 0 when no time elapsed. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? round((count * 1000) / ms, 0) : 0;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
