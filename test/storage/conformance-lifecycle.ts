// Conformance: retention (purge), durability (flushed) and restarts (reopen keeps everything).

import { describe, expect, test } from "bun:test";
import type { RetentionResult } from "../../src/storage/store";
import {
  attempt,
  dueEntries,
  event,
  item,
  publishOne,
  record,
  T0,
  type Tenant,
  tenant,
  webhook,
} from "./fixtures";
import { freshStorePerTest, type OpenStore } from "./store-context";

const DAY = 86_400_000;
const OLD = T0;
const NEW = T0 + 40 * DAY;
const BEFORE = T0 + 30 * DAY;

export function lifecycleSuites(name: string, open: OpenStore): void {
  describe(`${name} store: purge`, () => {
    const ctx = freshStorePerTest(open);

    /** An event at `at` with one delivery that was attempted once at `at`, finished or still pending. */
    async function attempted(t: Tenant, at: number, finished: boolean) {
      const p = await publishOne(ctx.store, t, { created_at: at }, at);
      const att = attempt(p.delivery, { started_at: at });
      await record(
        ctx.store,
        att,
        finished ? { status: "failed" } : { status: "pending", next_attempt_at: at + 30_000 },
      );
      return { ...p, attempt: att };
    }

    test("removes old attempts and old finished events with their deliveries, keeps the rest", async () => {
      const t = await tenant(ctx.store);
      const oldDone = await attempted(t, OLD, true);
      const oldPending = await attempted(t, OLD + 1, false);
      const newDone = await attempted(t, NEW, true);
      const noDeliveries = event(t.account.id, { created_at: OLD + 2 });
      await ctx.store.events.publish([item(noDeliveries, [])]);

      const result = await ctx.store.purge(BEFORE, 1000);
      expect(result).toEqual({ attempts: 2, events: 2, deliveries: 1 });

      expect(await ctx.store.events.get(t.account.id, oldDone.event.id)).toBeUndefined();
      expect(await ctx.store.events.get(t.account.id, noDeliveries.id)).toBeUndefined();
      expect(await ctx.store.deliveries.getById(oldDone.delivery.id)).toBeUndefined();
      expect(await ctx.store.deliveries.listForEvent(t.account.id, oldDone.event.id)).toEqual([]);
      expect(await ctx.store.attempts.listForDelivery(oldDone.delivery.id)).toEqual([]);

      // A pending delivery keeps its event (its old attempt goes; it is only a log line).
      expect(await ctx.store.events.get(t.account.id, oldPending.event.id)).toEqual(oldPending.event);
      expect((await ctx.store.deliveries.getById(oldPending.delivery.id))?.status).toBe("pending");
      expect(await ctx.store.attempts.listForDelivery(oldPending.delivery.id)).toEqual([]);
      expect(await dueEntries(ctx.store)).toHaveLength(1);

      expect(await ctx.store.events.get(t.account.id, newDone.event.id)).toEqual(newDone.event);
      expect(await ctx.store.attempts.listForDelivery(newDone.delivery.id)).toEqual([newDone.attempt]);
      const listed = (await ctx.store.events.list(t.account.id, { limit: 10 })).data.map((e) => e.id);
      expect(listed).toEqual([newDone.event.id, oldPending.event.id]);
      const logs = (await ctx.store.attempts.listForWebhook(t.account.id, t.webhook.id, {}, { limit: 10 }))
        .data;
      expect(logs).toEqual([newDone.attempt]);

      expect(await ctx.store.purge(BEFORE, 1000)).toEqual({ attempts: 0, events: 0, deliveries: 0 });
    });

    test("an event becomes purgeable once its last delivery finishes", async () => {
      const t = await tenant(ctx.store);
      const p = await attempted(t, OLD, false);
      await ctx.store.purge(BEFORE, 1000);
      expect(await ctx.store.events.get(t.account.id, p.event.id)).toBeDefined();
      await record(ctx.store, attempt(p.delivery, { started_at: NEW }), {
        status: "succeeded",
      });
      expect(await ctx.store.purge(BEFORE, 1000)).toEqual({ attempts: 0, events: 1, deliveries: 1 });
      expect(await ctx.store.events.get(t.account.id, p.event.id)).toBeUndefined();
    });

    test("removes at most `limit` records per call, and repeated calls drain everything", async () => {
      const t = await tenant(ctx.store);
      for (let i = 0; i < 5; i++) await attempted(t, OLD + i, true);
      for (let i = 0; i < 4; i++) {
        const { delivery } = await publishOne(ctx.store, t, { created_at: NEW });
        await ctx.store.attempts.add(attempt(delivery, { started_at: OLD + 100 + i }));
      }
      const total: RetentionResult = { attempts: 0, events: 0, deliveries: 0 };
      for (let calls = 0; calls < 20; calls++) {
        const r = await ctx.store.purge(BEFORE, 3);
        const n = r.attempts + r.events + r.deliveries;
        expect(n).toBeLessThanOrEqual(3);
        if (n === 0) break;
        total.attempts += r.attempts;
        total.events += r.events;
        total.deliveries += r.deliveries;
      }
      expect(total).toEqual({ attempts: 9, events: 5, deliveries: 5 });
      expect((await ctx.store.events.list(t.account.id, { limit: 10 })).data).toHaveLength(4);
    });
    test("an event with more deliveries than `limit` loses them over several calls, then goes", async () => {
      const t = await tenant(ctx.store);
      const more = [webhook(t.account.id), webhook(t.account.id)];
      for (const wh of more) await ctx.store.webhooks.create(wh);
      const ev = event(t.account.id, { created_at: OLD });
      const it = item(ev, [t.webhook.id, ...more.map((w) => w.id)]);
      await ctx.store.events.publish([it]);
      for (const d of it.deliveries) {
        await record(ctx.store, attempt(d, { started_at: NEW }), { status: "succeeded" });
      }
      expect(await ctx.store.purge(BEFORE, 2)).toEqual({ attempts: 0, events: 0, deliveries: 2 });
      expect(await ctx.store.events.get(t.account.id, ev.id)).toEqual(ev);
      expect(await ctx.store.deliveries.listForEvent(t.account.id, ev.id)).toHaveLength(1);
      expect(await ctx.store.purge(BEFORE, 2)).toEqual({ attempts: 0, events: 1, deliveries: 1 });
      expect(await ctx.store.events.get(t.account.id, ev.id)).toBeUndefined();
    });
  });

  describe(`${name} store: durability`, () => {
    const ctx = freshStorePerTest(open);

    test("flushed resolves after writes, also while writes are in flight", async () => {
      const t = await tenant(ctx.store);
      const writes = Array.from({ length: 20 }, () => publishOne(ctx.store, t));
      await ctx.store.flushed();
      await Promise.all(writes);
      await ctx.store.flushed();
      expect(await dueEntries(ctx.store)).toHaveLength(20);
    });

    test("a store that takes writes says so", () => {
      expect(ctx.store.health()).toEqual({
        writable: true,
        reason: null,
        since: undefined,
        refusedWrites: 0,
      });
    });

    test("figures report the backlog and the space the data takes on disk", async () => {
      const first = await ctx.figures();
      const before = first.sizeBytes;
      expect(first.pendingDeliveries).toBe(0);
      expect(first.asOf).toBeGreaterThan(0);
      expect(before).toBeGreaterThan(0);
      const t = await tenant(ctx.store);
      for (let i = 0; i < 10; i++) {
        await ctx.store.events.publish(
          Array.from({ length: 100 }, () =>
            item(event(t.account.id, { data: { pad: "x".repeat(500) } }), [t.webhook.id]),
          ),
        );
      }
      await ctx.store.flushed();
      const after = await ctx.figures();
      expect(after.sizeBytes).toBeGreaterThan(before);
      expect(after.pendingDeliveries).toBe(1000);
    });

    test("reopening keeps every record, index, count and cursor", async () => {
      const t = await tenant(ctx.store);
      const a = await publishOne(ctx.store, t, {}, T0 + 5);
      const b = await publishOne(ctx.store, t, {}, T0 + 6);
      const att = attempt(a.delivery);
      await record(ctx.store, att, { status: "succeeded" });
      await ctx.store.meta.set("k", "v");
      const cursor = (await ctx.store.events.list(t.account.id, { limit: 1 })).next_cursor;
      await ctx.store.flushed();

      const store = await ctx.reopen();
      if (!store) return; // this implementation cannot reopen in place
      expect(await store.meta.get("k")).toBe("v");
      expect(await store.accounts.get(t.account.id)).toEqual(t.account);
      expect(await store.apiKeys.findActiveByHash(t.key.hash)).toEqual(t.key);
      expect(await store.webhooks.getById(t.webhook.id)).toEqual(t.webhook);
      expect(await store.events.get(t.account.id, a.event.id)).toEqual(a.event);
      expect((await store.deliveries.getById(a.delivery.id))?.status).toBe("succeeded");
      expect(await store.attempts.listForDelivery(a.delivery.id)).toEqual([att]);
      expect(await dueEntries(store)).toEqual([{ delivery_id: b.delivery.id, due: T0 + 6 }]);
      expect((await ctx.figures()).pendingDeliveries).toBe(1);
      expect((await store.accounts.list({ limit: 10 })).data).toEqual([t.account]);
      expect((await store.events.list(t.account.id, { limit: 1, cursor: cursor ?? undefined })).data).toEqual(
        [a.event],
      );
    });
  });
}
