import { describe, expect, test } from "bun:test";
import type { StatsBucket } from "../storage/records";
import { LATENCY_BIN_COUNT, LATENCY_BINS_MS, latencyBin, STATS_BUCKET_MS } from "../storage/stats-rollup";
import type { Store } from "../storage/store";
import { latencyQuantileMs, StatsService, sumBuckets } from "./stats-service";

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

const NOW = Date.UTC(2026, 11, 3, 17, 30);
const HOUR = STATS_BUCKET_MS;

/** A store holding one webhook's buckets that counts each read the service makes. */
function statsStore(buckets: StatsBucket[]) {
  const reads: string[] = [];
  const store = {
    webhooks: {
      async get(accountId: string, id: string) {
        reads.push("webhook");
        return accountId === "acct_a" && id === "wh_a" ? { id } : undefined;
      },
    },
    stats: {
      async buckets(_id: string, since: number, until: number) {
        reads.push(`buckets ${since}..${until}`);
        return buckets.filter((b) => b.start >= since && b.start < until);
      },
      async health() {
        reads.push("health");
        return { failing_since: null, last_success_at: NOW - 1_000, last_failure_at: NOW - HOUR };
      },
      async pending() {
        reads.push("pending");
        return 3;
      },
    },
  } as unknown as Store;
  return { reads, service: new StatsService({ store, now: () => NOW, retentionMs: 7 * 86_400_000 }) };
}

const bucket = (start: number, succeeded: number, failed: number): StatsBucket => ({
  start,
  attempts: succeeded + failed,
  succeeded,
  failed,
  latency: bins([...Array(succeeded).fill(40), ...Array(failed).fill(900)]),
});

describe("StatsService.webhookHours", () => {
  const hourNow = Math.floor(NOW / HOUR) * HOUR;
  const old = bucket(hourNow - 30 * HOUR, 9, 9);
  const inWindow = [
    bucket(hourNow - 24 * HOUR, 1, 0),
    bucket(hourNow - 5 * HOUR, 2, 1),
    bucket(hourNow, 0, 4),
  ];

  test("the window's stats and the buckets they sum, in the reads webhookStats makes", async () => {
    const { reads, service } = statsStore([old, ...inWindow]);
    const { stats, hours } = await service.webhookHours("acct_a", "wh_a");
    expect(hours).toEqual(inWindow);
    expect(stats).toMatchObject({
      webhook_id: "wh_a",
      since: hourNow - 24 * HOUR,
      until: NOW,
      attempts: 8,
      succeeded: 3,
      failed: 5,
      success_rate: 0.375,
      latency_ms: { p50: 1_000, p90: 1_000, p99: 1_000 },
      pending: 3,
    });
    const hoursReads = [...reads];
    reads.length = 0;
    expect(await service.webhookStats("acct_a", "wh_a")).toEqual(stats);
    expect(hoursReads).toEqual(reads);
    expect(reads).toEqual([
      "webhook",
      `buckets ${hourNow - 24 * HOUR}..${hourNow + HOUR}`,
      "health",
      "pending",
    ]);
  });

  test("since starts the window at its hour; an unknown webhook or a bad since is refused", async () => {
    const { service } = statsStore([old, ...inWindow]);
    const { stats, hours } = await service.webhookHours("acct_a", "wh_a", hourNow - 5 * HOUR + 60_000);
    expect(stats.since).toBe(hourNow - 5 * HOUR);
    expect(hours).toEqual(inWindow.slice(1));
    await expect(service.webhookHours("acct_b", "wh_a")).rejects.toMatchObject({ kind: "not_found" });
    await expect(service.webhookHours("acct_a", "wh_a", NOW)).rejects.toMatchObject({ kind: "invalid" });
  });
});
