// Per-webhook attempt rollups, the store-independent part: bucket size, latency bins and how one
// recorded attempt changes a bucket and the webhook's health. Pure; both stores (LMDB:
// ./lmdb/attempt-rollups.ts, PostgreSQL: ./postgres/record-statement.ts) and the stats service use it.

import type { AttemptRecord, StatsBucket, WebhookHealth } from "./records";

/**
 * One bucket per webhook per hour. An hour keeps a read cheap at any window (the 24 h default
 * sums 25 buckets, a 30-day retention 721) and keeps the write one small record per attempt; a
 * window's start is rounded down to the hour it falls in.
 */
export const STATS_BUCKET_MS = 3_600_000;

/**
 * Upper bounds (ms, inclusive) of the latency bins, then one bin for everything slower than the
 * last bound. Roughly 1-2-5 steps with extra steps where receivers usually answer, so an estimate
 * read from a bin is at most about 1.5 times the true value (2 times below 10 ms).
 */
export const LATENCY_BINS_MS: readonly number[] = [
  1, 2, 5, 10, 20, 50, 100, 150, 200, 300, 500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, 7_500, 10_000, 15_000,
  20_000, 30_000, 60_000, 120_000, 300_000,
];

/** Bins a bucket holds: one per bound and the overflow bin. */
export const LATENCY_BIN_COUNT = LATENCY_BINS_MS.length + 1;

/** The start of the bucket that holds time `ms`. */
export const bucketStart = (ms: number): number => Math.floor(ms / STATS_BUCKET_MS) * STATS_BUCKET_MS;

/** The bin a latency falls in: the first whose bound is not below it (binary search, O(log bins)). */
export function latencyBin(durationMs: number): number {
  let lo = 0;
  let hi = LATENCY_BINS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((LATENCY_BINS_MS[mid] as number) < durationMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether an attempt counts in the rollups: test sends do not. */
export const counts = (attempt: AttemptRecord): boolean => !attempt.test;

export const NO_HEALTH: WebhookHealth = { failing_since: null, last_success_at: null, last_failure_at: null };

/** A bucket with no attempts (not stored: buckets exist once an attempt lands in them). */
export function emptyBucket(start: number): StatsBucket {
  return { start, attempts: 0, succeeded: 0, failed: 0, latency: new Array(LATENCY_BIN_COUNT).fill(0) };
}

/** The bucket with one more attempt (a new object; `bucket` is not changed). */
export function withAttempt(bucket: StatsBucket, attempt: AttemptRecord): StatsBucket {
  const latency = [...bucket.latency];
  while (latency.length < LATENCY_BIN_COUNT) latency.push(0);
  const bin = latencyBin(attempt.duration_ms);
  latency[bin] = (latency[bin] as number) + 1;
  const ok = attempt.outcome === "succeeded";
  return {
    start: bucket.start,
    attempts: bucket.attempts + 1,
    succeeded: bucket.succeeded + (ok ? 1 : 0),
    failed: bucket.failed + (ok ? 0 : 1),
    latency,
  };
}

/**
 * The health after one more recorded attempt, in the order attempts are recorded: a success ends
 * the run of failures; the first failure after a success (or with none recorded) starts it at its
 * started_at. The last_* times only move forward.
 */
export function nextHealth(health: WebhookHealth, attempt: AttemptRecord): WebhookHealth {
  const at = attempt.started_at;
  const later = (prev: number | null) => (prev === null ? at : Math.max(prev, at));
  if (attempt.outcome === "succeeded") {
    return {
      failing_since: null,
      last_success_at: later(health.last_success_at),
      last_failure_at: health.last_failure_at,
    };
  }
  return {
    failing_since: health.failing_since ?? at,
    last_success_at: health.last_success_at,
    last_failure_at: later(health.last_failure_at),
  };
}
