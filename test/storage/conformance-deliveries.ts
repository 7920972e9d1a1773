// Conformance: deliveries (recordAttempt, reschedule, tenancy) and the due-time queue.

import { describe, expect, test } from "bun:test";
import { attempt, event, item, publishOne, T0, tenant } from "./fixtures";
import { freshStorePerTest, type OpenStore } from "./store-context";

const FAR = Number.MAX_SAFE_INTEGER;

export function deliverySuites(name: string, open: OpenStore): void {
  describe(`${name} store: deliveries`, () => {
    const ctx = freshStorePerTest(open);

    test("get answers only within the owning account; getById by id alone", async () => {
      const a = await tenant(ctx.store);
      const b = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, a);
      expect(ctx.store.deliveries.get(a.account.id, delivery.id)).toEqual(delivery);
      expect(ctx.store.deliveries.get(b.account.id, delivery.id)).toBeUndefined();
      expect(ctx.store.deliveries.getById(delivery.id)).toEqual(delivery);
      expect(ctx.store.deliveries.getById("dlv_00000000000000000000000000")).toBeUndefined();
    });

    test("a failed attempt with a retry moves the delivery and its queue entry on", async () => {
      const t = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      const att = attempt(delivery, { started_at: T0 + 10, duration_ms: 40 });
      const updated = await ctx.store.deliveries.recordAttempt(att, {
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
      expect(updated?.last_error).not.toBeNull();
      expect(ctx.store.deliveries.getById(delivery.id)).toEqual(updated as NonNullable<typeof updated>);
      expect(ctx.store.queue.scan(FAR, 10)).toEqual([{ delivery_id: delivery.id, due: T0 + 30_000 }]);
      expect(ctx.store.deliveries.countPending()).toBe(1);
      expect(ctx.store.attempts.listForDelivery(delivery.id)).toEqual([att]);
    });

    test("success and final failure finish the delivery and leave the queue", async () => {
      const t = await tenant(ctx.store);
      const ok = await publishOne(ctx.store, t);
      const bad = await publishOne(ctx.store, t);
      const won = await ctx.store.deliveries.recordAttempt(
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
      expect(won?.last_error).toBeNull();
      const lost = await ctx.store.deliveries.recordAttempt(attempt(bad.delivery), { status: "failed" });
      expect(lost).toMatchObject({ status: "failed", attempts: 1, next_attempt_at: null });
      expect(ctx.store.queue.size()).toBe(0);
      expect(ctx.store.deliveries.countPending()).toBe(0);
    });

    test("an attempt on a delivery cancelled meanwhile is kept; the delivery stays cancelled", async () => {
      const t = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      await ctx.store.webhooks.delete(t.account.id, t.webhook.id);
      const att = attempt(delivery);
      const result = await ctx.store.deliveries.recordAttempt(att, {
        status: "pending",
        next_attempt_at: T0 + 1,
      });
      expect(result?.status).toBe("cancelled");
      expect(ctx.store.deliveries.getById(delivery.id)?.status).toBe("cancelled");
      expect(ctx.store.deliveries.getById(delivery.id)?.attempts).toBe(0);
      expect(ctx.store.queue.size()).toBe(0);
      expect(ctx.store.attempts.listForDelivery(delivery.id)).toEqual([att]);
      expect(ctx.store.attempts.listForWebhook(t.account.id, t.webhook.id, {}, { limit: 10 }).data).toEqual([
        att,
      ]);
    });

    test("racing an attempt against a cancellation never leaves a cancelled delivery queued", async () => {
      const t = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      const update = { status: "pending" as const, next_attempt_at: T0 + 60_000 };
      await Promise.all([
        ctx.store.deliveries.recordAttempt(attempt(delivery), update),
        ctx.store.webhooks.delete(t.account.id, t.webhook.id),
      ]);
      expect(ctx.store.deliveries.getById(delivery.id)?.status).toBe("cancelled");
      expect(ctx.store.queue.size()).toBe(0);
      expect(ctx.store.deliveries.countPending()).toBe(0);
    });

    test("reschedule makes a finished delivery pending again, or moves a pending one", async () => {
      const t = await tenant(ctx.store);
      const other = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      await ctx.store.deliveries.recordAttempt(attempt(delivery), { status: "failed" });
      expect(await ctx.store.deliveries.reschedule(other.account.id, delivery.id, T0)).toBeUndefined();
      expect(
        await ctx.store.deliveries.reschedule(t.account.id, "dlv_00000000000000000000000000", T0),
      ).toBeUndefined();
      expect(ctx.store.queue.size()).toBe(0);

      const again = await ctx.store.deliveries.reschedule(t.account.id, delivery.id, T0 + 7);
      expect(again).toMatchObject({ status: "pending", next_attempt_at: T0 + 7, attempts: 1 });
      expect(ctx.store.queue.scan(FAR, 10)).toEqual([{ delivery_id: delivery.id, due: T0 + 7 }]);

      const moved = await ctx.store.deliveries.reschedule(t.account.id, delivery.id, T0 + 3);
      expect(moved?.next_attempt_at).toBe(T0 + 3);
      expect(ctx.store.queue.scan(FAR, 10)).toEqual([{ delivery_id: delivery.id, due: T0 + 3 }]);
      expect(ctx.store.deliveries.countPending()).toBe(1);

      // A delivery rescheduled by hand can still be cancelled with its webhook.
      await ctx.store.webhooks.delete(t.account.id, t.webhook.id);
      expect(ctx.store.queue.size()).toBe(0);
      expect(ctx.store.deliveries.getById(delivery.id)?.status).toBe("cancelled");
    });

    test("listForEvent lists the event's deliveries within its account", async () => {
      const a = await tenant(ctx.store);
      const ev = event(a.account.id);
      const it = item(ev, [a.webhook.id]);
      await ctx.store.events.publish([it]);
      expect(ctx.store.deliveries.listForEvent(a.account.id, ev.id)).toEqual(it.deliveries);
      expect(ctx.store.deliveries.listForEvent(a.account.id, "missing")).toEqual([]);
    });
  });

  describe(`${name} store: due-time queue`, () => {
    const ctx = freshStorePerTest(open);

    async function queueOf(dues: number[]) {
      const t = await tenant(ctx.store);
      const items = dues.map((due) => item(event(t.account.id), [t.webhook.id], due));
      await ctx.store.events.publish(items);
      return items
        .map((it) => it.deliveries[0])
        .map((d) => ({ delivery_id: d?.id ?? "", due: d?.next_attempt_at ?? 0 }));
    }

    const byDue = (a: { due: number; delivery_id: string }, b: { due: number; delivery_id: string }) =>
      a.due - b.due || (a.delivery_id < b.delivery_id ? -1 : a.delivery_id > b.delivery_id ? 1 : 0);

    test("scan answers entries due before `until` (exclusive), in due order, at most `limit`", async () => {
      const entries = await queueOf([T0 + 50, T0 + 10, T0 + 30, T0 + 10, T0 + 40, T0 + 20]);
      const sorted = [...entries].sort(byDue);
      expect(ctx.store.queue.size()).toBe(6);
      expect(ctx.store.queue.scan(FAR, 100)).toEqual(sorted);
      expect(ctx.store.queue.scan(T0 + 30, 100)).toEqual(sorted.filter((e) => e.due < T0 + 30));
      expect(ctx.store.queue.scan(T0 + 10, 100)).toEqual([]);
      expect(ctx.store.queue.scan(FAR, 2)).toEqual(sorted.slice(0, 2));
      expect(ctx.store.queue.scan(FAR, 0)).toEqual([]);
    });

    test("scan after an entry continues strictly after it, ties on due included", async () => {
      const entries = await queueOf([T0, T0, T0, T0 + 1, T0 + 2]);
      const sorted = [...entries].sort(byDue);
      const seen = [];
      let after: (typeof sorted)[number] | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = ctx.store.queue.scan(FAR, 2, after);
        if (page.length === 0) break;
        seen.push(...page);
        after = page.at(-1);
      }
      expect(seen).toEqual(sorted);
      // An `after` that is no longer queued still bounds the scan.
      const gone = { delivery_id: sorted[1]?.delivery_id ?? "", due: T0 };
      await ctx.store.deliveries.recordAttempt(
        attempt((await ctx.store.deliveries.getById(gone.delivery_id)) ?? fail()),
        { status: "succeeded" },
      );
      expect(ctx.store.queue.scan(FAR, 10, gone)).toEqual(sorted.slice(2));
    });
  });
}

function fail(): never {
  throw new Error("missing delivery");
}
