// Conformance: publishing (fan-out, idempotency, batches) and event listings.

import { describe, expect, test } from "bun:test";
import { InvalidCursorError } from "../../src/storage/store";
import { allPages, dueEntries, event, item, T0, tenant, webhook } from "./fixtures";
import { freshStorePerTest, type OpenStore } from "./store-context";

export function eventSuites(name: string, open: OpenStore): void {
  describe(`${name} store: publish`, () => {
    const ctx = freshStorePerTest(open);

    test("stores the event, its deliveries and their queue entries", async () => {
      const t = await tenant(ctx.store);
      const second = webhook(t.account.id);
      await ctx.store.webhooks.create(second);
      const ev = event(t.account.id);
      const it = item(ev, [t.webhook.id, second.id], T0 + 5);
      const [result] = await ctx.store.events.publish([it]);
      expect(result).toEqual({ event: ev, created: true, deliveries: it.deliveries, leases: [] });
      expect(await ctx.store.events.get(t.account.id, ev.id)).toEqual(ev);
      expect(await ctx.store.deliveries.listForEvent(t.account.id, ev.id)).toEqual(it.deliveries);
      for (const d of it.deliveries) expect(await ctx.store.deliveries.getById(d.id)).toEqual(d);
      expect((await ctx.figures()).pendingDeliveries).toBe(2);
      expect(await dueEntries(ctx.store)).toHaveLength(2);
      const due = await dueEntries(ctx.store, T0 + 6);
      expect(due.map((e) => e.due)).toEqual([T0 + 5, T0 + 5]);
      expect(due.map((e) => e.delivery_id).sort()).toEqual(it.deliveries.map((d) => d.id).sort());
    });

    test("an event with no subscribers is stored without deliveries", async () => {
      const t = await tenant(ctx.store);
      const ev = event(t.account.id);
      const [result] = await ctx.store.events.publish([{ event: ev, deliveries: [] }]);
      expect(result?.created).toBe(true);
      expect(await ctx.store.events.get(t.account.id, ev.id)).toEqual(ev);
      expect(await ctx.store.deliveries.listForEvent(t.account.id, ev.id)).toEqual([]);
      expect(await dueEntries(ctx.store)).toHaveLength(0);
    });

    test("is idempotent by (account, id): a repeat returns the stored event and writes nothing", async () => {
      const t = await tenant(ctx.store);
      const ev = event(t.account.id, { id: "order-42" });
      const first = item(ev, [t.webhook.id]);
      await ctx.store.events.publish([first]);
      const again = event(t.account.id, { id: "order-42", data: { other: true }, created_at: T0 + 99 });
      const [result] = await ctx.store.events.publish([item(again, [t.webhook.id])]);
      expect(result?.created).toBe(false);
      expect(result?.event).toEqual(ev);
      expect(result?.deliveries).toEqual(first.deliveries);
      expect(await ctx.store.events.get(t.account.id, "order-42")).toEqual(ev);
      expect(await dueEntries(ctx.store)).toHaveLength(1);
      expect((await ctx.store.events.list(t.account.id, { limit: 10 })).data).toEqual([ev]);
    });

    test("a batch is stored in order; an id repeated inside it is created once", async () => {
      const t = await tenant(ctx.store);
      const a = event(t.account.id, { id: "dup" });
      const b = event(t.account.id);
      const a2 = event(t.account.id, { id: "dup", data: { second: true } });
      const results = await ctx.store.events.publish([
        item(a, [t.webhook.id]),
        item(b, [t.webhook.id]),
        item(a2, [t.webhook.id]),
      ]);
      expect(results.map((r) => r.created)).toEqual([true, true, false]);
      expect(results[2]?.event).toEqual(a);
      expect(results[2]?.deliveries).toEqual(results[0]?.deliveries ?? []);
      expect(await ctx.store.events.get(t.account.id, "dup")).toEqual(a);
      expect(await dueEntries(ctx.store)).toHaveLength(2);
    });

    test("concurrent publishes of one id create it exactly once", async () => {
      const t = await tenant(ctx.store);
      const attempts = Array.from({ length: 8 }, (_, i) =>
        ctx.store.events.publish([item(event(t.account.id, { id: "same", data: { n: i } }), [t.webhook.id])]),
      );
      const results = (await Promise.all(attempts)).flat();
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const stored = await ctx.store.events.get(t.account.id, "same");
      for (const r of results) expect(r.event).toEqual(stored as NonNullable<typeof stored>);
      expect(await dueEntries(ctx.store)).toHaveLength(1);
    });

    test("idempotency is per account: the same id in two accounts is two events", async () => {
      const a = await tenant(ctx.store);
      const b = await tenant(ctx.store);
      const [ra] = await ctx.store.events.publish([item(event(a.account.id, { id: "x" }), [a.webhook.id])]);
      const [rb] = await ctx.store.events.publish([item(event(b.account.id, { id: "x" }), [b.webhook.id])]);
      expect([ra?.created, rb?.created]).toEqual([true, true]);
      expect((await ctx.store.events.get(a.account.id, "x"))?.account_id).toBe(a.account.id);
      expect((await ctx.store.events.get(b.account.id, "x"))?.account_id).toBe(b.account.id);
      expect((await ctx.store.deliveries.listForEvent(a.account.id, "x")).map((d) => d.webhook_id)).toEqual([
        a.webhook.id,
      ]);
      expect(await dueEntries(ctx.store)).toHaveLength(2);
    });

    test("publisher ids may be any string of 1 to 255 characters", async () => {
      const t = await tenant(ctx.store);
      const ids = [
        "a",
        "abc",
        "abcd",
        "ab\u0000c",
        "ünïcødé 🎉",
        "x".repeat(255),
        "\u001e\u001f/../?",
        "0",
        "-1",
      ];
      await ctx.store.events.publish(ids.map((id) => item(event(t.account.id, { id }), [t.webhook.id])));
      for (const id of ids) {
        expect((await ctx.store.events.get(t.account.id, id))?.id).toBe(id);
        const ds = await ctx.store.deliveries.listForEvent(t.account.id, id);
        expect(ds.map((d) => d.event_id)).toEqual([id]);
      }
      expect(await ctx.store.events.get(t.account.id, "ab")).toBeUndefined();
      const listed = (
        await allPages((cursor) => ctx.store.events.list(t.account.id, { limit: 4, cursor }))
      ).flat();
      expect(listed.map((e) => e.id).sort()).toEqual([...ids].sort());
    });

    test("tenancy: another account's event is not visible", async () => {
      const a = await tenant(ctx.store);
      const b = await tenant(ctx.store);
      const ev = event(a.account.id);
      await ctx.store.events.publish([item(ev, [a.webhook.id])]);
      expect(await ctx.store.events.get(b.account.id, ev.id)).toBeUndefined();
      expect(await ctx.store.deliveries.listForEvent(b.account.id, ev.id)).toEqual([]);
      expect((await ctx.store.events.list(b.account.id, { limit: 10 })).data).toEqual([]);
    });

    test("publishing nothing answers nothing", async () => {
      expect(await ctx.store.events.publish([])).toEqual([]);
    });
  });

  describe(`${name} store: event listing`, () => {
    const ctx = freshStorePerTest(open);

    test("newest first by creation time across pages, ties included, no duplicates or gaps", async () => {
      const t = await tenant(ctx.store);
      // Publisher ids deliberately sort against creation time; several share a millisecond.
      const events = Array.from({ length: 23 }, (_, i) =>
        event(t.account.id, { id: `z-${String(100 - i)}`, created_at: T0 + Math.floor(i / 3) * 1000 }),
      );
      for (const ev of [...events].reverse()) await ctx.store.events.publish([item(ev, [])]);
      const pages = await allPages((cursor) => ctx.store.events.list(t.account.id, { limit: 5, cursor }));
      expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 3]);
      const listed = pages.flat();
      expect(new Set(listed.map((e) => e.id)).size).toBe(23);
      for (let i = 1; i < listed.length; i++) {
        expect((listed[i - 1]?.created_at ?? 0) >= (listed[i]?.created_at ?? 0)).toBe(true);
      }
      expect(listed[0]?.created_at).toBe(T0 + 7000);
      expect(listed.at(-1)?.created_at).toBe(T0);
    });

    test("a cursor is bound to its account and listing; garbage raises InvalidCursorError", async () => {
      const a = await tenant(ctx.store);
      const b = await tenant(ctx.store);
      for (let i = 0; i < 3; i++) await ctx.store.events.publish([item(event(a.account.id), [])]);
      const cursor = (await ctx.store.events.list(a.account.id, { limit: 1 })).next_cursor ?? "";
      expect(cursor).not.toBe("");
      await expect(ctx.store.events.list(b.account.id, { limit: 1, cursor })).rejects.toThrow(
        InvalidCursorError,
      );
      await expect(ctx.store.webhooks.list(a.account.id, { limit: 1, cursor })).rejects.toThrow(
        InvalidCursorError,
      );
      // Well formed but holding a time no listing writes (not a whole millisecond, beyond int8).
      const forged = (time: number) =>
        Buffer.from(JSON.stringify(["evt", a.account.id, time, "evt_x"])).toString("base64url");
      for (const bad of ["%%%", "bnVsbA", `x${cursor}`, cursor.slice(0, -3), forged(0.5), forged(1e300)]) {
        await expect(ctx.store.events.list(a.account.id, { limit: 1, cursor: bad })).rejects.toThrow(
          InvalidCursorError,
        );
      }
    });
  });
}
