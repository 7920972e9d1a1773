// Conformance: deliveries (recordAttempt, reschedule, tenancy). Leases and fencing are in
// conformance-leases.ts; here every attempt is recorded under a lease taken just before.

import { describe, expect, test } from "bun:test";
import {
  attempt,
  dueEntries,
  event,
  item,
  leaseOf,
  publishOne,
  recorded,
  refOf,
  T0,
  tenant,
} from "./fixtures";
import { freshStorePerTest, type OpenStore } from "./store-context";

export function deliverySuites(name: string, open: OpenStore): void {
  describe(`${name} store: deliveries`, () => {
    const ctx = freshStorePerTest(open);

    test("get answers only within the owning account; getById by id alone", async () => {
      const a = await tenant(ctx.store);
      const b = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, a);
      expect(await ctx.store.deliveries.get(a.account.id, delivery.id)).toEqual(delivery);
      expect(await ctx.store.deliveries.get(b.account.id, delivery.id)).toBeUndefined();
      expect(await ctx.store.deliveries.getById(delivery.id)).toEqual(delivery);
      expect(await ctx.store.deliveries.getById("dlv_00000000000000000000000000")).toBeUndefined();
    });

    test("a failed attempt with a retry moves the delivery and its queue entry on", async () => {
      const t = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      const att = attempt(delivery, { started_at: T0 + 10, duration_ms: 40 });
      const updated = await recorded(ctx.store, att, {
        status: "pending",
        next_attempt_at: T0 + 30_000,
      });
      expect(updated).toMatchObject({
        id: delivery.id,
        status: "pending",
        attempts: 1,
        next_attempt_at: T0 + 30_000,
        last_attempt_at: T0 + 10,
        last_status_code: 503,
      });
      expect(updated.last_error).not.toBeNull();
      expect(await ctx.store.deliveries.getById(delivery.id)).toEqual(updated);
      expect(await dueEntries(ctx.store)).toEqual([{ delivery_id: delivery.id, due: T0 + 30_000 }]);
      expect((await ctx.figures()).pendingDeliveries).toBe(1);
      expect(await ctx.store.attempts.listForDelivery(delivery.id)).toEqual([att]);
    });

    test("success and final failure finish the delivery and leave the queue", async () => {
      const t = await tenant(ctx.store);
      const ok = await publishOne(ctx.store, t);
      const bad = await publishOne(ctx.store, t);
      const won = await recorded(
        ctx.store,
        attempt(ok.delivery, {
          outcome: "succeeded",
          status_code: 200,
          error_class: null,
          error_message: null,
        }),
        { status: "succeeded" },
      );
      expect(won).toMatchObject({
        status: "succeeded",
        attempts: 1,
        next_attempt_at: null,
        last_status_code: 200,
      });
      expect(won.last_error).toBeNull();
      const lost = await recorded(ctx.store, attempt(bad.delivery), { status: "failed" });
      expect(lost).toMatchObject({ status: "failed", attempts: 1, next_attempt_at: null });
      expect(await dueEntries(ctx.store)).toHaveLength(0);
      expect((await ctx.figures()).pendingDeliveries).toBe(0);
    });

    test("an attempt on a delivery cancelled meanwhile is kept and counted; the delivery stays cancelled", async () => {
      const t = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      const lease = await leaseOf(ctx.store, delivery.id);
      await ctx.store.webhooks.delete(t.account.id, t.webhook.id);
      const att = attempt(delivery);
      const result = await ctx.store.deliveries.recordAttempt(
        att,
        { status: "pending", next_attempt_at: T0 + 1 },
        refOf(lease),
      );
      expect(result).toMatchObject({ kind: "recorded", delivery: { id: delivery.id, status: "cancelled" } });
      expect((await ctx.store.deliveries.getById(delivery.id))?.status).toBe("cancelled");
      expect((await ctx.store.deliveries.getById(delivery.id))?.attempts).toBe(1);
      expect(await dueEntries(ctx.store)).toHaveLength(0);
      expect(await ctx.store.attempts.listForDelivery(delivery.id)).toEqual([att]);
      expect(
        (await ctx.store.attempts.listForWebhook(t.account.id, t.webhook.id, {}, { limit: 10 })).data,
      ).toEqual([att]);
    });

    test("racing an attempt against a cancellation never leaves a cancelled delivery queued", async () => {
      const t = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      const update = { status: "pending" as const, next_attempt_at: T0 + 60_000 };
      const lease = await leaseOf(ctx.store, delivery.id);
      await Promise.all([
        ctx.store.deliveries.recordAttempt(attempt(delivery), update, refOf(lease)),
        ctx.store.webhooks.delete(t.account.id, t.webhook.id),
      ]);
      expect((await ctx.store.deliveries.getById(delivery.id))?.status).toBe("cancelled");
      expect(await dueEntries(ctx.store)).toHaveLength(0);
      expect((await ctx.figures()).pendingDeliveries).toBe(0);
    });

    test("reschedule makes a finished delivery pending again, or moves a pending one", async () => {
      const t = await tenant(ctx.store);
      const other = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      await recorded(ctx.store, attempt(delivery), { status: "failed" });
      expect(await ctx.store.deliveries.reschedule(other.account.id, delivery.id, T0)).toBeUndefined();
      expect(
        await ctx.store.deliveries.reschedule(t.account.id, "dlv_00000000000000000000000000", T0),
      ).toBeUndefined();
      expect(await dueEntries(ctx.store)).toHaveLength(0);

      const again = await ctx.store.deliveries.reschedule(t.account.id, delivery.id, T0 + 7);
      expect(again).toMatchObject({ status: "pending", next_attempt_at: T0 + 7, attempts: 1 });
      expect(await dueEntries(ctx.store)).toEqual([{ delivery_id: delivery.id, due: T0 + 7 }]);

      const moved = await ctx.store.deliveries.reschedule(t.account.id, delivery.id, T0 + 3);
      expect(moved?.next_attempt_at).toBe(T0 + 3);
      expect(await dueEntries(ctx.store)).toEqual([{ delivery_id: delivery.id, due: T0 + 3 }]);
      expect((await ctx.figures()).pendingDeliveries).toBe(1);

      // A delivery rescheduled by hand can still be cancelled with its webhook.
      await ctx.store.webhooks.delete(t.account.id, t.webhook.id);
      expect(await dueEntries(ctx.store)).toHaveLength(0);
      expect((await ctx.store.deliveries.getById(delivery.id))?.status).toBe("cancelled");
    });

    test("reschedule leaves a delivery that succeeded as it is (a retry racing its success)", async () => {
      const t = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      await recorded(ctx.store, attempt(delivery), { status: "succeeded" });
      const answer = await ctx.store.deliveries.reschedule(t.account.id, delivery.id, T0 + 5);
      expect(answer).toMatchObject({ status: "succeeded", next_attempt_at: null, attempts: 1 });
      expect((await ctx.store.deliveries.getById(delivery.id))?.status).toBe("succeeded");
      expect(await dueEntries(ctx.store)).toHaveLength(0);
      expect((await ctx.figures()).pendingDeliveries).toBe(0);
    });

    test("listForEvent lists the event's deliveries within its account", async () => {
      const a = await tenant(ctx.store);
      const ev = event(a.account.id);
      const it = item(ev, [a.webhook.id]);
      await ctx.store.events.publish([it]);
      expect(await ctx.store.deliveries.listForEvent(a.account.id, ev.id)).toEqual(it.deliveries);
      expect(await ctx.store.deliveries.listForEvent(a.account.id, "missing")).toEqual([]);
    });

    test("recording an attempt on a delivery removed by retention meanwhile answers missing", async () => {
      const t = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      const lease = await leaseOf(ctx.store, delivery.id);
      // Cancelled with its webhook, then purged with its event while the attempt was in flight.
      await ctx.store.webhooks.delete(t.account.id, t.webhook.id);
      expect(await ctx.store.purge(T0 + 1, 100)).toMatchObject({ events: 1, deliveries: 1 });
      const result = await ctx.store.deliveries.recordAttempt(
        attempt(delivery),
        { status: "succeeded" },
        refOf(lease),
      );
      expect(result).toEqual({ kind: "missing" });
      expect(await ctx.store.deliveries.getById(delivery.id)).toBeUndefined();
      const logs = await ctx.store.attempts.listForWebhook(t.account.id, t.webhook.id, {}, { limit: 10 });
      expect(logs.data).toEqual([]);
    });
  });
}
