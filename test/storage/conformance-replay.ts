// Conformance: adding deliveries to a stored event (replay), EventRepository.addDeliveries.

import { describe, expect, test } from "bun:test";
import { delivery, dueEntries, leaseRequest, OWNER, publishOne, T0, tenant, webhook } from "./fixtures";
import { freshStorePerTest, type OpenStore } from "./store-context";

const T1 = T0 + 60_000;

export function replaySuites(name: string, open: OpenStore): void {
  describe(`${name} store: addDeliveries`, () => {
    const ctx = freshStorePerTest(open);

    test("adds pending deliveries after the event's own, leaving those untouched", async () => {
      const t = await tenant(ctx.store);
      const second = webhook(t.account.id);
      await ctx.store.webhooks.create(second);
      const { event, delivery: original } = await publishOne(ctx.store, t);
      const replays = [t.webhook.id, second.id].map((id) =>
        delivery(event, id, { next_attempt_at: T1, created_at: T1, updated_at: T1 }),
      );
      const result = await ctx.store.events.addDeliveries(t.account.id, event.id, replays);
      expect(result).toEqual({ kind: "added", deliveries: replays, refused: [], leases: [] });
      expect(await ctx.store.deliveries.listForEvent(t.account.id, event.id)).toEqual([original, ...replays]);
      for (const d of replays) expect(await ctx.store.deliveries.get(t.account.id, d.id)).toEqual(d);
      expect(await ctx.store.events.get(t.account.id, event.id)).toEqual(event);
      expect(await dueEntries(ctx.store, T1 + 1)).toHaveLength(3);
      expect((await ctx.figures()).pendingDeliveries).toBe(3);
    });

    test("the new deliveries are leased like any other due work", async () => {
      const t = await tenant(ctx.store);
      const { event, delivery: original } = await publishOne(ctx.store, t);
      const replay = delivery(event, t.webhook.id, { next_attempt_at: T0 });
      await ctx.store.events.addDeliveries(t.account.id, event.id, [replay]);
      const leases = await ctx.store.work.lease(leaseRequest({ until: T0 + 1 }));
      expect(leases.map((l) => l.delivery.id).sort()).toEqual([original.id, replay.id].sort());
    });

    test("leases the new deliveries due now in the same write when asked, up to max", async () => {
      const t = await tenant(ctx.store);
      const { event, delivery: original } = await publishOne(ctx.store, t);
      const [a, b, later] = [T0, T0, T0 + 5_000].map((due) =>
        delivery(event, t.webhook.id, { next_attempt_at: due }),
      );
      if (!a || !b || !later) throw new Error("unreachable");
      const options = { lease: { owner: OWNER, leaseMs: 1_000, max: 1 } };
      const result = await ctx.store.events.addDeliveries(t.account.id, event.id, [later, a, b], options);
      if (result.kind !== "added") throw new Error(`answered ${result.kind}`);
      expect(result.leases).toHaveLength(1);
      const [lease] = result.leases;
      expect(lease?.delivery).toEqual(a);
      expect(lease?.token).toBeGreaterThan(0);
      expect(lease?.expiresInMs).toBe(1_000);
      // The leased one is not handed out again; the others are.
      const due = await dueEntries(ctx.store);
      expect(due.map((e) => e.delivery_id).sort()).toEqual([original.id, b.id, later.id].sort());
      const held = await ctx.store.work.renew(OWNER, { delivery_id: a.id, token: lease?.token ?? 0 }, 1_000);
      expect(held?.delivery.id).toBe(a.id);
    });

    test("a second replay comes after the first", async () => {
      const t = await tenant(ctx.store);
      const { event, delivery: original } = await publishOne(ctx.store, t);
      const first = delivery(event, t.webhook.id);
      const second = delivery(event, t.webhook.id);
      await ctx.store.events.addDeliveries(t.account.id, event.id, [first]);
      await ctx.store.events.addDeliveries(t.account.id, event.id, [second]);
      const ids = (await ctx.store.deliveries.listForEvent(t.account.id, event.id)).map((d) => d.id);
      expect(ids).toEqual([original.id, first.id, second.id]);
    });

    test("an unknown, foreign or purged event answers missing and writes nothing", async () => {
      const t = await tenant(ctx.store);
      const other = await tenant(ctx.store);
      const { event } = await publishOne(ctx.store, t);
      const replay = delivery(event, t.webhook.id);
      expect(await ctx.store.events.addDeliveries(t.account.id, "evt_missing", [])).toEqual({
        kind: "missing",
      });
      const foreign = delivery({ ...event, account_id: other.account.id }, other.webhook.id);
      expect(await ctx.store.events.addDeliveries(other.account.id, event.id, [foreign])).toEqual({
        kind: "missing",
      });
      // Removed by retention: its delivery cancelled with the webhook's disable, then purged.
      await ctx.store.webhooks.update({ ...t.webhook, enabled: false, updated_at: T0 + 1 });
      expect(await ctx.store.purge(T0 + 1, 100)).toMatchObject({ events: 1 });
      expect(await ctx.store.events.addDeliveries(t.account.id, event.id, [replay])).toEqual({
        kind: "missing",
      });
      expect(await ctx.store.deliveries.getById(replay.id)).toBeUndefined();
      expect(await ctx.store.deliveries.getById(foreign.id)).toBeUndefined();
      expect(await dueEntries(ctx.store)).toHaveLength(0);
    });

    test("a delivery to a disabled or deleted webhook is not stored and is reported", async () => {
      const t = await tenant(ctx.store);
      const off = webhook(t.account.id);
      const gone = webhook(t.account.id);
      await ctx.store.webhooks.create(off);
      await ctx.store.webhooks.create(gone);
      const { event, delivery: original } = await publishOne(ctx.store, t, {}, T0 + 5);
      await ctx.store.webhooks.update({ ...off, enabled: false, updated_at: T0 + 1 });
      await ctx.store.webhooks.delete(t.account.id, gone.id);
      const live = delivery(event, t.webhook.id);
      const toOff = delivery(event, off.id);
      const toGone = delivery(event, gone.id);
      const result = await ctx.store.events.addDeliveries(t.account.id, event.id, [toOff, live, toGone]);
      expect(result).toEqual({
        kind: "added",
        deliveries: [live],
        refused: [
          { delivery_id: toOff.id, webhook_id: off.id, reason: "disabled" },
          { delivery_id: toGone.id, webhook_id: gone.id, reason: "deleted" },
        ],
        leases: [],
      });
      expect(await ctx.store.deliveries.getById(toOff.id)).toBeUndefined();
      expect(await ctx.store.deliveries.getById(toGone.id)).toBeUndefined();
      const listed = await ctx.store.deliveries.listForEvent(t.account.id, event.id);
      expect(listed.map((d) => d.id)).toEqual([original.id, live.id]);
      expect(await dueEntries(ctx.store, T0 + 6)).toHaveLength(2);
    });

    test("another account's webhook counts as deleted", async () => {
      const t = await tenant(ctx.store);
      const other = await tenant(ctx.store);
      const { event } = await publishOne(ctx.store, t);
      const stray = delivery(event, other.webhook.id);
      const result = await ctx.store.events.addDeliveries(t.account.id, event.id, [stray]);
      expect(result).toEqual({
        kind: "added",
        deliveries: [],
        refused: [{ delivery_id: stray.id, webhook_id: other.webhook.id, reason: "deleted" }],
        leases: [],
      });
      expect(await ctx.store.deliveries.getById(stray.id)).toBeUndefined();
    });

    test("a delivery that is not a new pending one of the event is refused", async () => {
      const t = await tenant(ctx.store);
      const { event } = await publishOne(ctx.store, t);
      const done = delivery(event, t.webhook.id, { status: "succeeded", next_attempt_at: null });
      await expect(ctx.store.events.addDeliveries(t.account.id, event.id, [done])).rejects.toThrow(
        "not a new delivery",
      );
      const elsewhere = delivery({ ...event, id: "evt_other" }, t.webhook.id);
      await expect(ctx.store.events.addDeliveries(t.account.id, event.id, [elsewhere])).rejects.toThrow(
        "not a new delivery",
      );
    });
  });
}
