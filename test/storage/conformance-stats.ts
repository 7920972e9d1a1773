// Conformance: per-webhook stats (WebhookStatsRepository). Every recorded attempt lands in its
// webhook's hourly bucket and health in the same write; test sends and fenced outcomes count
// nowhere; retention removes old buckets; pending counts the webhook's pending deliveries only.

import { describe, expect, test } from "bun:test";
import type { AttemptRecord } from "../../src/storage/records";
import { LATENCY_BIN_COUNT, latencyBin, NO_HEALTH, STATS_BUCKET_MS } from "../../src/storage/stats-rollup";
import type { Store } from "../../src/storage/store";
import {
  attempt,
  leaseOf,
  leaseRequest,
  OTHER,
  publishOne,
  record,
  refOf,
  T0,
  type Tenant,
  tenant,
} from "./fixtures";
import { freshStorePerTest, type OpenStore } from "./store-context";

const HOUR = STATS_BUCKET_MS;
/** The start of T0's bucket (T0 is 10:25:03 UTC). */
const H0 = Math.floor(T0 / HOUR) * HOUR;
const DAY = 86_400_000;

/** Publishes a delivery to the tenant's webhook and records one finished attempt of it. */
async function attemptOnce(
  store: Store,
  t: Tenant,
  over: Partial<AttemptRecord> & Pick<AttemptRecord, "outcome">,
): Promise<AttemptRecord> {
  const { delivery } = await publishOne(store, t);
  const att = attempt(delivery, over.outcome === "succeeded" ? { status_code: 200, ...over } : over);
  const result = await record(store, att, { status: over.outcome === "succeeded" ? "succeeded" : "failed" });
  if (result.kind !== "recorded") throw new Error(`not recorded: ${result.kind}`);
  return att;
}

const bins = (entries: Array<[durationMs: number, n: number]>): number[] => {
  const out = new Array(LATENCY_BIN_COUNT).fill(0);
  for (const [ms, n] of entries) out[latencyBin(ms)] += n;
  return out;
};

export function statsSuites(name: string, open: OpenStore): void {
  describe(`${name} store: webhook stats`, () => {
    const ctx = freshStorePerTest(open);

    test("a webhook with no attempts has no health and no buckets", async () => {
      const t = await tenant(ctx.store);
      expect(await ctx.store.stats.health(t.webhook.id)).toEqual(NO_HEALTH);
      expect(await ctx.store.stats.buckets(t.webhook.id, 0, T0 + DAY)).toEqual([]);
      expect(await ctx.store.stats.pending(t.webhook.id)).toBe(0);
    });

    test("failing_since starts at the first failure after a success and ends with the next success", async () => {
      const t = await tenant(ctx.store);
      const health = () => ctx.store.stats.health(t.webhook.id);
      await attemptOnce(ctx.store, t, { outcome: "failed", started_at: T0 + 1 });
      expect(await health()).toEqual({
        failing_since: T0 + 1,
        last_success_at: null,
        last_failure_at: T0 + 1,
      });
      await attemptOnce(ctx.store, t, { outcome: "failed", started_at: T0 + 2 });
      expect(await health()).toEqual({
        failing_since: T0 + 1,
        last_success_at: null,
        last_failure_at: T0 + 2,
      });
      await attemptOnce(ctx.store, t, { outcome: "succeeded", started_at: T0 + 3 });
      expect(await health()).toEqual({
        failing_since: null,
        last_success_at: T0 + 3,
        last_failure_at: T0 + 2,
      });
      await attemptOnce(ctx.store, t, { outcome: "failed", started_at: T0 + 4 });
      await attemptOnce(ctx.store, t, { outcome: "failed", started_at: T0 + 5 });
      expect(await health()).toEqual({
        failing_since: T0 + 4,
        last_success_at: T0 + 3,
        last_failure_at: T0 + 5,
      });
    });

    test("attempts roll up into hourly buckets per webhook, oldest first, empty hours absent", async () => {
      const t = await tenant(ctx.store);
      const other = await tenant(ctx.store);
      await attemptOnce(ctx.store, t, { outcome: "succeeded", started_at: H0, duration_ms: 40 });
      await attemptOnce(ctx.store, t, { outcome: "failed", started_at: H0 + HOUR - 1, duration_ms: 900 });
      await attemptOnce(ctx.store, t, {
        outcome: "succeeded",
        started_at: H0 + 2 * HOUR + 5,
        duration_ms: 40,
      });
      await attemptOnce(ctx.store, other, { outcome: "succeeded", started_at: H0, duration_ms: 3 });

      // Recorded late: it started in the first hour, after an attempt of a later hour was recorded.
      await attemptOnce(ctx.store, t, { outcome: "failed", started_at: H0 + 5, duration_ms: 40 });
      const all = await ctx.store.stats.buckets(t.webhook.id, H0 - DAY, H0 + DAY);
      expect(all).toEqual([
        {
          start: H0,
          attempts: 3,
          succeeded: 1,
          failed: 2,
          latency: bins([
            [40, 2],
            [900, 1],
          ]),
        },
        { start: H0 + 2 * HOUR, attempts: 1, succeeded: 1, failed: 0, latency: bins([[40, 1]]) },
      ]);
      // [since, until) by bucket start.
      expect(await ctx.store.stats.buckets(t.webhook.id, H0 + 1, H0 + 2 * HOUR)).toEqual([]);
      expect((await ctx.store.stats.buckets(t.webhook.id, H0, H0 + 2 * HOUR)).map((b) => b.start)).toEqual([
        H0,
      ]);
      // The hour moves on: the bucket of the hour before is kept; a late attempt of it still adds.
      await attemptOnce(ctx.store, t, { outcome: "failed", started_at: H0 + 3 * HOUR, duration_ms: 40 });
      await attemptOnce(ctx.store, t, { outcome: "failed", started_at: H0 + 2 * HOUR + 9, duration_ms: 40 });
      const counted = await ctx.store.stats.buckets(t.webhook.id, H0, H0 + DAY);
      expect(counted.map((b) => [b.start, b.attempts])).toEqual([
        [H0, 3],
        [H0 + 2 * HOUR, 2],
        [H0 + 3 * HOUR, 1],
      ]);
      expect(await ctx.store.stats.buckets(other.webhook.id, H0, H0 + DAY)).toEqual([
        { start: H0, attempts: 1, succeeded: 1, failed: 0, latency: bins([[3, 1]]) },
      ]);
    });

    test("retries of one delivery count as attempts each; test sends count nowhere", async () => {
      const t = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      const first = attempt(delivery, { started_at: T0 + 10 });
      await record(ctx.store, first, { status: "pending", next_attempt_at: T0 });
      const retried = { ...delivery, attempts: 1 };
      await record(
        ctx.store,
        attempt(retried, { started_at: T0 + 20, outcome: "succeeded", status_code: 200 }),
        {
          status: "succeeded",
        },
      );
      await ctx.store.attempts.add({
        ...attempt(delivery, { started_at: T0 + 30, outcome: "failed" }),
        delivery_id: null,
        test: true,
      });
      const [bucket] = await ctx.store.stats.buckets(t.webhook.id, H0, H0 + HOUR);
      expect(bucket).toMatchObject({ attempts: 2, succeeded: 1, failed: 1 });
      expect(await ctx.store.stats.health(t.webhook.id)).toEqual({
        failing_since: null,
        last_success_at: T0 + 20,
        last_failure_at: T0 + 10,
      });
    });

    test("outcomes recorded together count each, and health follows their call order", async () => {
      const t = await tenant(ctx.store);
      await attemptOnce(ctx.store, t, { outcome: "failed", started_at: T0 });
      for (let i = 0; i < 5; i++) await publishOne(ctx.store, t);
      const leases = await ctx.store.work.lease(leaseRequest({ limit: 10 }));
      expect(leases).toHaveLength(5);
      // One turn: a group-committing store writes them in one statement, in this order.
      const outcomes = ["failed", "succeeded", "failed", "failed", "failed"] as const;
      const results = await Promise.all(
        leases.map((lease, i) => {
          const outcome = outcomes[i] ?? "failed";
          const made = attempt(lease.delivery, { outcome, started_at: T0 + 10 + i, duration_ms: 40 });
          return ctx.store.deliveries.recordAttempt(made, { status: outcome }, refOf(lease));
        }),
      );
      expect(results.map((r) => r.kind)).toEqual([
        "recorded",
        "recorded",
        "recorded",
        "recorded",
        "recorded",
      ]);
      expect(await ctx.store.stats.health(t.webhook.id)).toEqual({
        failing_since: T0 + 12,
        last_success_at: T0 + 11,
        last_failure_at: T0 + 14,
      });
      expect(await ctx.store.stats.buckets(t.webhook.id, H0, H0 + HOUR)).toEqual([
        {
          start: H0,
          attempts: 6,
          succeeded: 1,
          failed: 5,
          latency: bins([
            [120, 1],
            [40, 5],
          ]),
        },
      ]);
    });

    test("failures recorded together continue the stored run of failures", async () => {
      const t = await tenant(ctx.store);
      await attemptOnce(ctx.store, t, { outcome: "failed", started_at: T0 });
      for (let i = 0; i < 2; i++) await publishOne(ctx.store, t);
      const leases = await ctx.store.work.lease(leaseRequest({ limit: 10 }));
      await Promise.all(
        leases.map((lease, i) =>
          ctx.store.deliveries.recordAttempt(
            attempt(lease.delivery, { started_at: T0 + 10 + i }),
            { status: "failed" },
            refOf(lease),
          ),
        ),
      );
      expect(await ctx.store.stats.health(t.webhook.id)).toEqual({
        failing_since: T0,
        last_success_at: null,
        last_failure_at: T0 + 11,
      });
    });

    test("a fenced outcome counts nowhere", async () => {
      const t = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      const stale = await leaseOf(ctx.store, delivery.id);
      ctx.clock.advance(120_000);
      await leaseOf(ctx.store, delivery.id, OTHER);
      const late = await ctx.store.deliveries.recordAttempt(
        attempt(delivery),
        { status: "failed" },
        refOf(stale),
      );
      expect(late).toEqual({ kind: "fenced" });
      expect(await ctx.store.stats.health(t.webhook.id)).toEqual(NO_HEALTH);
      expect(await ctx.store.stats.buckets(t.webhook.id, 0, T0 + DAY)).toEqual([]);
    });

    test("pending counts the webhook's pending deliveries only, and follows their outcomes", async () => {
      const t = await tenant(ctx.store);
      const other = await tenant(ctx.store);
      const first = await publishOne(ctx.store, t);
      await publishOne(ctx.store, t);
      await publishOne(ctx.store, t);
      await publishOne(ctx.store, other);
      expect(await ctx.store.stats.pending(t.webhook.id)).toBe(3);
      expect(await ctx.store.stats.pending(other.webhook.id)).toBe(1);
      await record(ctx.store, attempt(first.delivery, { outcome: "succeeded", status_code: 200 }), {
        status: "succeeded",
      });
      expect(await ctx.store.stats.pending(t.webhook.id)).toBe(2);
    });

    test("purge removes buckets that start before its cutoff and keeps the rest and the health", async () => {
      const t = await tenant(ctx.store);
      await attemptOnce(ctx.store, t, { outcome: "failed", started_at: H0 });
      await attemptOnce(ctx.store, t, { outcome: "failed", started_at: H0 + 40 * DAY });
      await ctx.store.purge(H0 + 30 * DAY, 1000);
      expect((await ctx.store.stats.buckets(t.webhook.id, 0, H0 + 50 * DAY)).map((b) => b.start)).toEqual([
        H0 + 40 * DAY,
      ]);
      expect(await ctx.store.stats.health(t.webhook.id)).toEqual({
        failing_since: H0,
        last_success_at: null,
        last_failure_at: H0 + 40 * DAY,
      });
    });

    test("purge of every bucket keeps the newest success and failure in the health", async () => {
      const t = await tenant(ctx.store);
      await attemptOnce(ctx.store, t, { outcome: "succeeded", started_at: H0 + 5 });
      await attemptOnce(ctx.store, t, { outcome: "failed", started_at: H0 + 7 });
      await attemptOnce(ctx.store, t, { outcome: "failed", started_at: H0 + HOUR + 1 });
      await ctx.store.purge(H0 + 40 * DAY, 1000);
      expect(await ctx.store.stats.health(t.webhook.id)).toEqual({
        failing_since: H0 + 7,
        last_success_at: H0 + 5,
        last_failure_at: H0 + HOUR + 1,
      });
    });

    test("stats survive a restart", async () => {
      const t = await tenant(ctx.store);
      await attemptOnce(ctx.store, t, { outcome: "succeeded", started_at: T0 });
      await ctx.store.flushed();
      const store = await ctx.reopen();
      if (!store) return;
      expect(await store.stats.health(t.webhook.id)).toMatchObject({ last_success_at: T0 });
      expect(await store.stats.buckets(t.webhook.id, H0, H0 + HOUR)).toHaveLength(1);
    });
  });
}
