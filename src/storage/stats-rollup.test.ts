import { describe, expect, test } from "bun:test";
import type { AttemptRecord } from "./records";
import {
  bucketStart,
  emptyBucket,
  LATENCY_BIN_COUNT,
  LATENCY_BINS_MS,
  latencyBin,
  NO_HEALTH,
  nextHealth,
  STATS_BUCKET_MS,
  withAttempt,
} from "./stats-rollup";

const at = (started_at: number, outcome: "succeeded" | "failed", duration_ms = 10) =>
  ({ started_at, outcome, duration_ms, test: false }) as AttemptRecord;

describe("latencyBin", () => {
  test("a latency falls in the first bin whose bound is not below it; beyond the last, the overflow bin", () => {
    expect(latencyBin(0)).toBe(0);
    expect(latencyBin(1)).toBe(0);
    expect(latencyBin(2)).toBe(1);
    expect(latencyBin(3)).toBe(2);
    for (const [i, bound] of LATENCY_BINS_MS.entries()) {
      expect(latencyBin(bound)).toBe(i);
      expect(latencyBin(bound + 1)).toBe(i + 1);
    }
    expect(latencyBin(10 ** 9)).toBe(LATENCY_BIN_COUNT - 1);
  });
});

describe("buckets", () => {
  test("an hour per bucket; an attempt adds to its outcome and its latency bin", () => {
    expect(bucketStart(STATS_BUCKET_MS * 5 + 1)).toBe(STATS_BUCKET_MS * 5);
    expect(bucketStart(STATS_BUCKET_MS * 5 - 1)).toBe(STATS_BUCKET_MS * 4);
    const empty = emptyBucket(0);
    const one = withAttempt(empty, at(1, "failed", 40));
    const two = withAttempt(one, at(2, "succeeded", 40));
    expect(empty.attempts).toBe(0);
    expect(two).toMatchObject({ attempts: 2, succeeded: 1, failed: 1 });
    expect(two.latency[latencyBin(40)]).toBe(2);
    expect(two.latency.reduce((a, b) => a + b, 0)).toBe(2);
  });
});

describe("nextHealth", () => {
  test("the run of failures starts at the first failure after a success and ends at a success", () => {
    let h = NO_HEALTH;
    h = nextHealth(h, at(10, "failed"));
    expect(h).toEqual({ failing_since: 10, last_success_at: null, last_failure_at: 10 });
    h = nextHealth(h, at(20, "failed"));
    expect(h.failing_since).toBe(10);
    h = nextHealth(h, at(30, "succeeded"));
    expect(h).toEqual({ failing_since: null, last_success_at: 30, last_failure_at: 20 });
    h = nextHealth(h, at(25, "failed")); // recorded after the success, though it started before it
    expect(h).toEqual({ failing_since: 25, last_success_at: 30, last_failure_at: 25 });
    h = nextHealth(h, at(5, "succeeded"));
    expect(h).toEqual({ failing_since: null, last_success_at: 30, last_failure_at: 25 });
  });
});
