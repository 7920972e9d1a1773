import { describe, expect, test } from "bun:test";
import { LATENCY_BIN_COUNT, LATENCY_BINS_MS, latencyBin } from "../storage/stats-rollup";
import { latencyQuantileMs, sumBuckets } from "./stats-service";

const bins = (durations: number[]) => {
  const out = new Array<number>(LATENCY_BIN_COUNT).fill(0);
  for (const ms of durations) out[latencyBin(ms)] = (out[latencyBin(ms)] as number) + 1;
  return out;
};

describe("latencyQuantileMs", () => {
  test("null without attempts", () => {
    expect(latencyQuantileMs(bins([]), 0.5)).toBeNull();
  });

  test("the upper bound of the bin holding the attempt of rank ceil(q * n)", () => {
    const hundred = [...Array(90).fill(40), ...Array(9).fill(400), 4_000];
    expect(latencyQuantileMs(bins(hundred), 0.5)).toBe(50);
    expect(latencyQuantileMs(bins(hundred), 0.9)).toBe(50);
    expect(latencyQuantileMs(bins(hundred), 0.91)).toBe(500);
    expect(latencyQuantileMs(bins(hundred), 0.99)).toBe(500);
    expect(latencyQuantileMs(bins(hundred), 1)).toBe(5_000);
  });

  test("never below the true quantile, and within one bin of it", () => {
    const durations = Array.from({ length: 1000 }, (_, i) => Math.round(1.5 ** (i % 30)));
    const sorted = [...durations].sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.99]) {
      const truth = sorted[Math.ceil(q * sorted.length) - 1] as number;
      const estimate = latencyQuantileMs(bins(durations), q) as number;
      expect(estimate).toBeGreaterThanOrEqual(Math.min(truth, LATENCY_BINS_MS.at(-1) as number));
      expect(latencyBin(estimate)).toBe(latencyBin(Math.min(truth, LATENCY_BINS_MS.at(-1) as number)));
    }
  });

  test("the overflow bin answers the last bound", () => {
    expect(latencyQuantileMs(bins([10 ** 7]), 0.5)).toBe(LATENCY_BINS_MS.at(-1) as number);
  });
});

describe("sumBuckets", () => {
  test("adds counts and latency bins", () => {
    const a = { start: 0, attempts: 2, succeeded: 1, failed: 1, latency: bins([40, 900]) };
    const b = { start: 3_600_000, attempts: 1, succeeded: 1, failed: 0, latency: bins([40]) };
    expect(sumBuckets([a, b])).toEqual({
      attempts: 3,
      succeeded: 2,
      failed: 1,
      latency: bins([40, 40, 900]),
    });
  });
});
