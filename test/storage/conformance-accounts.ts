// Conformance: meta, accounts, API keys and webhooks, including tenancy isolation and the
// cancellation of pending deliveries on webhook delete/disable and account delete.

import { describe, expect, test } from "bun:test";
import { InvalidCursorError } from "../../src/storage/store";
import { account, allPages, apiKey, dueEntries, publishOne, tenant, webhook } from "./fixtures";
import { freshStorePerTest, type OpenStore } from "./store-context";

export function accountSuites(name: string, open: OpenStore): void {
  describe(`${name} store: meta`, () => {
    const ctx = freshStorePerTest(open);

    test("get answers undefined for a missing key, set stores and overwrites", async () => {
      expect(await ctx.store.meta.get("admin_key_hash")).toBeUndefined();
      await ctx.store.meta.set("admin_key_hash", "abc");
      expect(await ctx.store.meta.get("admin_key_hash")).toBe("abc");
      await ctx.store.meta.set("admin_key_hash", "def");
      expect(await ctx.store.meta.get("admin_key_hash")).toBe("def");
    });
  });

  describe(`${name} store: accounts`, () => {
    const ctx = freshStorePerTest(open);

    test("create stores the account with its first key; get and list see it", async () => {
      const acct = account();
      const key = apiKey(acct.id);
      await ctx.store.accounts.create(acct, key);
      expect(await ctx.store.accounts.get(acct.id)).toEqual(acct);
      expect(await ctx.store.apiKeys.findActiveByHash(key.hash)).toEqual(key);
      expect(await ctx.store.apiKeys.listForAccount(acct.id)).toEqual([key]);
      expect((await ctx.store.accounts.list({ limit: 10 })).data).toEqual([acct]);
      expect(await ctx.store.accounts.get("acct_00000000000000000000000000")).toBeUndefined();
    });

    test("list pages newest first with no duplicates or gaps", async () => {
      const created = [];
      for (let i = 0; i < 8; i++) {
        const acct = account();
        created.push(acct);
        await ctx.store.accounts.create(acct, apiKey(acct.id));
      }
      const pages = await allPages((cursor) => ctx.store.accounts.list({ limit: 3, cursor }));
      expect(pages.map((p) => p.length)).toEqual([3, 3, 2]);
      expect(pages.flat().map((a) => a.id)).toEqual(created.map((a) => a.id).reverse());
      expect((await ctx.store.accounts.list({ limit: 8 })).next_cursor).toBeNull();
    });

    test("a malformed cursor raises InvalidCursorError", async () => {
      const t = await tenant(ctx.store);
      await ctx.store.webhooks.create(webhook(t.account.id));
      const foreign = (await ctx.store.webhooks.list(t.account.id, { limit: 1 })).next_cursor;
      expect(foreign).not.toBeNull();
      for (const cursor of [
        "garbage!",
        "e30",
        "W10",
        Buffer.from("[1,2,3]").toString("base64url"),
        foreign ?? "",
      ]) {
        await expect(ctx.store.accounts.list({ limit: 2, cursor })).rejects.toThrow(InvalidCursorError);
      }
    });

    test("delete removes keys and webhooks, cancels pending deliveries, keeps events", async () => {
      const a = await tenant(ctx.store);
      const b = await tenant(ctx.store);
      const second = webhook(a.account.id);
      await ctx.store.webhooks.create(second);
      const pa = await publishOne(ctx.store, a);
      const pb = await publishOne(ctx.store, b);
      expect((await ctx.figures()).pendingDeliveries).toBe(2);

      expect(await ctx.store.accounts.delete(a.account.id)).toBe(true);
      expect(await ctx.store.accounts.get(a.account.id)).toBeUndefined();
      expect((await ctx.store.accounts.list({ limit: 10 })).data).toEqual([b.account]);
      expect(await ctx.store.apiKeys.findActiveByHash(a.key.hash)).toBeUndefined();
      expect(await ctx.store.apiKeys.listForAccount(a.account.id)).toEqual([]);
      expect(await ctx.store.webhooks.getById(a.webhook.id)).toBeUndefined();
      expect(await ctx.store.webhooks.getById(second.id)).toBeUndefined();
      expect((await ctx.store.webhooks.list(a.account.id, { limit: 10 })).data).toEqual([]);
      expect((await ctx.store.deliveries.getById(pa.delivery.id))?.status).toBe("cancelled");
      expect((await ctx.store.deliveries.getById(pa.delivery.id))?.next_attempt_at).toBeNull();
      expect(await ctx.store.events.get(a.account.id, pa.event.id)).toEqual(pa.event);
      // The other account is untouched.
      expect((await ctx.figures()).pendingDeliveries).toBe(1);
      expect((await dueEntries(ctx.store)).map((e) => e.delivery_id)).toEqual([pb.delivery.id]);
      expect(await ctx.store.apiKeys.findActiveByHash(b.key.hash)).toEqual(b.key);

      expect(await ctx.store.accounts.delete(a.account.id)).toBe(false);
    });
  });

  describe(`${name} store: api keys`, () => {
    const ctx = freshStorePerTest(open);

    test("create, list newest first, revoke once, only within the owning account", async () => {
      const t = await tenant(ctx.store);
      const other = await tenant(ctx.store);
      const second = apiKey(t.account.id);
      await ctx.store.apiKeys.create(second);
      expect((await ctx.store.apiKeys.listForAccount(t.account.id)).map((k) => k.id)).toEqual([
        second.id,
        t.key.id,
      ]);
      expect(await ctx.store.apiKeys.findActiveByHash(second.hash)).toEqual(second);
      expect(await ctx.store.apiKeys.findActiveByHash("0".repeat(64))).toBeUndefined();

      expect(await ctx.store.apiKeys.revoke(other.account.id, second.id, 5)).toBe(false);
      expect(await ctx.store.apiKeys.revoke(t.account.id, "key_00000000000000000000000000", 5)).toBe(false);
      expect(await ctx.store.apiKeys.findActiveByHash(second.hash)).toEqual(second);

      expect(await ctx.store.apiKeys.revoke(t.account.id, second.id, 5)).toBe(true);
      expect(await ctx.store.apiKeys.findActiveByHash(second.hash)).toBeUndefined();
      expect((await ctx.store.apiKeys.listForAccount(t.account.id))[0]).toEqual({ ...second, revoked_at: 5 });
      expect(await ctx.store.apiKeys.revoke(t.account.id, second.id, 6)).toBe(false);
      expect(await ctx.store.apiKeys.findActiveByHash(t.key.hash)).toEqual(t.key);
    });
  });

  describe(`${name} store: webhooks`, () => {
    const ctx = freshStorePerTest(open);

    test("get answers only within the owning account; getById answers by id alone", async () => {
      const a = await tenant(ctx.store);
      const b = await tenant(ctx.store);
      expect(await ctx.store.webhooks.get(a.account.id, a.webhook.id)).toEqual(a.webhook);
      expect(await ctx.store.webhooks.get(b.account.id, a.webhook.id)).toBeUndefined();
      expect(await ctx.store.webhooks.getById(a.webhook.id)).toEqual(a.webhook);
      expect(await ctx.store.webhooks.getById("wh_00000000000000000000000000")).toBeUndefined();
    });

    test("list pages one account's webhooks newest first; a cursor is bound to its account", async () => {
      const a = await tenant(ctx.store);
      const b = await tenant(ctx.store);
      const ids = [a.webhook.id];
      for (let i = 0; i < 6; i++) {
        const wh = webhook(a.account.id);
        ids.push(wh.id);
        await ctx.store.webhooks.create(wh);
      }
      const pages = await allPages((cursor) => ctx.store.webhooks.list(a.account.id, { limit: 2, cursor }));
      expect(pages.map((p) => p.length)).toEqual([2, 2, 2, 1]);
      expect(pages.flat().map((w) => w.id)).toEqual(ids.reverse());
      const cursor = (await ctx.store.webhooks.list(a.account.id, { limit: 2 })).next_cursor ?? "";
      await expect(ctx.store.webhooks.list(b.account.id, { limit: 2, cursor })).rejects.toThrow(
        InvalidCursorError,
      );
      expect((await ctx.store.webhooks.list(b.account.id, { limit: 10 })).data).toEqual([b.webhook]);
    });

    test("subscribers are the account's enabled webhooks for that type or for *", async () => {
      const a = await tenant(ctx.store); // subscribed to *
      const b = await tenant(ctx.store);
      const read = webhook(a.account.id, { events: ["message.read", "message.failed"] });
      const off = webhook(a.account.id, { events: ["message.read"], enabled: false });
      await ctx.store.webhooks.create(read);
      await ctx.store.webhooks.create(off);
      const ids = async (type: string) =>
        (await ctx.store.webhooks.subscribers(a.account.id, type)).map((w) => w.id).sort();
      expect(await ids("message.read")).toEqual([a.webhook.id, read.id].sort());
      expect(await ids("message.delivered")).toEqual([a.webhook.id]);
      expect((await ctx.store.webhooks.subscribers(b.account.id, "message.read")).map((w) => w.id)).toEqual([
        b.webhook.id,
      ]);
    });

    test("update replaces the record; false when missing or owned by another account", async () => {
      const a = await tenant(ctx.store);
      const b = await tenant(ctx.store);
      const changed = {
        ...a.webhook,
        url: "https://example.org/new",
        events: ["message.read"],
        updated_at: T1,
      };
      expect(await ctx.store.webhooks.update(changed)).toBe(true);
      expect(await ctx.store.webhooks.get(a.account.id, a.webhook.id)).toEqual(changed);
      expect(await ctx.store.webhooks.update({ ...a.webhook, account_id: b.account.id })).toBe(false);
      expect(await ctx.store.webhooks.update(webhook(a.account.id))).toBe(false);
      expect(await ctx.store.webhooks.get(a.account.id, a.webhook.id)).toEqual(changed);
    });

    test("disabling cancels the webhook's pending deliveries and only those", async () => {
      const a = await tenant(ctx.store);
      const other = webhook(a.account.id);
      await ctx.store.webhooks.create(other);
      const p1 = await publishOne(ctx.store, a);
      const p2 = await publishOne(ctx.store, a);
      const kept = await publishOne(ctx.store, { ...a, webhook: other });
      expect((await ctx.figures()).pendingDeliveries).toBe(3);

      expect(await ctx.store.webhooks.update({ ...a.webhook, enabled: false, updated_at: T1 })).toBe(true);
      for (const p of [p1, p2]) {
        const d = await ctx.store.deliveries.getById(p.delivery.id);
        expect(d?.status).toBe("cancelled");
        expect(d?.next_attempt_at).toBeNull();
      }
      expect((await ctx.figures()).pendingDeliveries).toBe(1);
      expect(await dueEntries(ctx.store)).toHaveLength(1);
      expect((await dueEntries(ctx.store)).map((e) => e.delivery_id)).toEqual([kept.delivery.id]);
      expect((await ctx.store.deliveries.getById(kept.delivery.id))?.status).toBe("pending");
    });

    test("delete removes it and cancels its pending deliveries; false when missing or foreign", async () => {
      const a = await tenant(ctx.store);
      const b = await tenant(ctx.store);
      const p = await publishOne(ctx.store, a);
      const pb = await publishOne(ctx.store, b);

      expect(await ctx.store.webhooks.delete(b.account.id, a.webhook.id)).toBe(false);
      expect(await ctx.store.webhooks.get(a.account.id, a.webhook.id)).toEqual(a.webhook);
      expect((await ctx.figures()).pendingDeliveries).toBe(2);

      expect(await ctx.store.webhooks.delete(a.account.id, a.webhook.id)).toBe(true);
      expect(await ctx.store.webhooks.get(a.account.id, a.webhook.id)).toBeUndefined();
      expect(await ctx.store.webhooks.getById(a.webhook.id)).toBeUndefined();
      expect(await ctx.store.webhooks.subscribers(a.account.id, "message.delivered")).toEqual([]);
      expect((await ctx.store.deliveries.getById(p.delivery.id))?.status).toBe("cancelled");
      expect((await dueEntries(ctx.store)).map((e) => e.delivery_id)).toEqual([pb.delivery.id]);
      expect(await ctx.store.webhooks.delete(a.account.id, a.webhook.id)).toBe(false);
    });
  });
}

const T1 = 1_736_940_000_000;
