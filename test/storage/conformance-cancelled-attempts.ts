// Conformance: an attempt in flight when its delivery is cancelled (its webhook disabled by a 410,
// by hand, or deleted) counts. The attempt is logged and the delivery's attempts, last_attempt_at,
// last_status_code, last_error and updated_at move as for a pending delivery, while its status, due
// time, queue entries and recoverability stay as the cancellation left them and its lease ends. So
// the next attempt after a recover or a manual retry takes the next number, never this one's again.

import { describe, expect, test } from "bun:test";
import type { RecoveryWindow } from "../../src/storage/records";
import type { Store } from "../../src/storage/store";
import {
  attempt,
  dueEntries,
  FAR,
  leaseOf,
  publishOne,
  recorded,
  refOf,
  T0,
  type Tenant,
  tenant,
} from "./fixtures";
import { freshStorePerTest, type OpenStore } from "./store-context";

const ALL: RecoveryWindow = { since: 0, until: FAR };
const retry = (at: number) => ({ status: "pending" as const, next_attempt_at: at });

async function recoverable(store: Store, t: Tenant): Promise<number> {
  return (await store.deliveries.countRecoverable(t.account.id, t.webhook.id, ALL, { limit: 100 })).count;
}

/** A published delivery leased, then cancelled by a 410 disable of its webhook at `at`. */
async function cancelledInFlight(store: Store, at = T0 + 500) {
  const t = await tenant(store);
  const { delivery } = await publishOne(store, t);
  const lease = await leaseOf(store, delivery.id);
  expect(await store.webhooks.disable(t.webhook.id, "gone", at)).toBeDefined();
  const cancelled = await store.deliveries.getById(delivery.id);
  if (!cancelled) throw new Error("the delivery is gone");
  expect(cancelled.status).toBe("cancelled");
  return { t, delivery, lease, cancelled };
}

export function cancelledAttemptSuites(name: string, open: OpenStore): void {
  describe(`${name} store: an attempt in flight when its delivery is cancelled`, () => {
    const ctx = freshStorePerTest(open);

    test("counts: attempts and last_* move, status, due time, queue and lease as the cancellation left them", async () => {
      const { t, delivery, lease, cancelled } = await cancelledInFlight(ctx.store);
      const made = attempt(delivery, { started_at: T0 + 1_000, duration_ms: 120 });
      const result = await ctx.store.deliveries.recordAttempt(made, retry(T0 + 2_000), refOf(lease), {
        relet: { withinMs: 60_000, leaseMs: 1_000 },
      });
      const expected = {
        ...cancelled,
        attempts: 1,
        last_attempt_at: T0 + 1_000,
        last_status_code: 503,
        last_error: "503 Service Unavailable",
        updated_at: T0 + 1_120,
      };
      expect(result).toEqual({ kind: "recorded", delivery: expected });
      expect(await ctx.store.deliveries.getById(delivery.id)).toEqual(expected);
      expect(await ctx.store.attempts.listForDelivery(delivery.id)).toEqual([made]);
      // Not queued, not pending, recoverable once, and no lease left on it.
      expect(await dueEntries(ctx.store)).toEqual([]);
      expect((await ctx.figures()).pendingDeliveries).toBe(0);
      expect(await recoverable(ctx.store, t)).toBe(1);
      expect(await ctx.store.work.renew("replica-a", refOf(lease), 1_000)).toBeUndefined();
      // The same outcome again is fenced: the lease ended.
      const again = await ctx.store.deliveries.recordAttempt(made, retry(T0 + 2_000), refOf(lease));
      expect(again).toEqual({ kind: "fenced" });
      expect((await ctx.store.deliveries.getById(delivery.id))?.attempts).toBe(1);
    });

    test("a success in flight is counted too and leaves the delivery cancelled, its error cleared", async () => {
      const { delivery, lease, cancelled } = await cancelledInFlight(ctx.store);
      const made = attempt(delivery, {
        outcome: "succeeded",
        status_code: 200,
        error_class: null,
        error_message: null,
      });
      const result = await ctx.store.deliveries.recordAttempt(made, { status: "succeeded" }, refOf(lease));
      expect(result).toMatchObject({
        kind: "recorded",
        delivery: { status: "cancelled", attempts: 1, last_status_code: 200, last_error: null },
      });
      expect((await ctx.store.deliveries.getById(delivery.id))?.next_attempt_at).toBe(
        cancelled.next_attempt_at,
      );
    });

    test("updated_at never goes back: an attempt that ended before the cancellation keeps its time", async () => {
      const { delivery, lease } = await cancelledInFlight(ctx.store, T0 + 5_000);
      const made = attempt(delivery, { started_at: T0 + 1_000, duration_ms: 120 });
      const result = await ctx.store.deliveries.recordAttempt(made, retry(T0 + 9_000), refOf(lease));
      expect(result).toMatchObject({
        kind: "recorded",
        delivery: { attempts: 1, last_attempt_at: T0 + 1_000, updated_at: T0 + 5_000 },
      });
    });

    test("after a manual retry the next attempt takes the next number", async () => {
      const { t, delivery, lease } = await cancelledInFlight(ctx.store);
      await ctx.store.deliveries.recordAttempt(attempt(delivery), retry(T0 + 2_000), refOf(lease));
      await ctx.store.webhooks.update({ ...t.webhook, enabled: true, updated_at: T0 + 600 });
      const retried = await ctx.store.deliveries.reschedule(t.account.id, delivery.id, T0 + 3_000);
      expect(retried).toMatchObject({ status: "pending", attempts: 1, next_attempt_at: T0 + 3_000 });
      if (!retried) return;
      const next = attempt(retried, { started_at: T0 + 3_000 });
      expect(next.attempt).toBe(2);
      const after = await recorded(ctx.store, next, { status: "failed" });
      expect(after).toMatchObject({ status: "failed", attempts: 2, last_attempt_at: T0 + 3_000 });
      const numbers = (await ctx.store.attempts.listForDelivery(delivery.id)).map((a) => a.attempt);
      expect(numbers).toEqual([1, 2]);
    });

    test("after a recover the next attempt takes the next number, and the retry schedule starts over", async () => {
      const { t, delivery, lease } = await cancelledInFlight(ctx.store);
      await ctx.store.deliveries.recordAttempt(attempt(delivery), retry(T0 + 2_000), refOf(lease));
      await ctx.store.webhooks.update({ ...t.webhook, enabled: true, updated_at: T0 + 600 });
      const batch = await ctx.store.deliveries.recover(t.account.id, t.webhook.id, ALL, {
        limit: 10,
        due: T0 + 3_000,
      });
      expect(batch.kind).toBe("recovered");
      if (batch.kind !== "recovered") return;
      expect(batch.deliveries).toEqual([
        expect.objectContaining({ id: delivery.id, status: "pending", attempts: 1, retry_base: 1 }),
      ]);
      expect(await recoverable(ctx.store, t)).toBe(0);
    });
  });
}
