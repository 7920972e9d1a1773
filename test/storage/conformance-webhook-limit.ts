// Conformance: the webhooks-per-account limit is checked atomically with the create.

import { describe, expect, test } from "bun:test";
import { account, apiKey, T0, tenant, webhook } from "./fixtures";
import { freshStorePerTest, type OpenStore } from "./store-context";

export function webhookLimitSuites(name: string, open: OpenStore): void {
  describe(`${name} store: webhooks per account`, () => {
    const ctx = freshStorePerTest(open);

    test("create refuses, writing nothing, once the account has perAccountMax webhooks", async () => {
      const t = await tenant(ctx.store); // one webhook already
      expect(await ctx.store.webhooks.create(webhook(t.account.id), 3)).toBe(true);
      expect(await ctx.store.webhooks.create(webhook(t.account.id), 3)).toBe(true);
      const refused = webhook(t.account.id);
      expect(await ctx.store.webhooks.create(refused, 3)).toBe(false);
      expect(await ctx.store.webhooks.get(t.account.id, refused.id)).toBeUndefined();
      expect(await ctx.store.webhooks.getById(refused.id)).toBeUndefined();
      expect((await ctx.store.webhooks.list(t.account.id, { limit: 10 })).data).toHaveLength(3);
      // Without a limit, or with a higher one, it is stored; a lower limit refuses again.
      expect(await ctx.store.webhooks.create(webhook(t.account.id), 4)).toBe(true);
      expect(await ctx.store.webhooks.create(webhook(t.account.id))).toBe(true);
      expect(await ctx.store.webhooks.create(webhook(t.account.id), 2)).toBe(false);
      expect((await ctx.store.webhooks.list(t.account.id, { limit: 10 })).data).toHaveLength(5);
    });

    test("the count is per account, and a deleted webhook frees its place", async () => {
      const a = await tenant(ctx.store);
      const b = await tenant(ctx.store);
      expect(await ctx.store.webhooks.create(webhook(a.account.id), 1)).toBe(false);
      expect(await ctx.store.webhooks.create(webhook(b.account.id), 2)).toBe(true);
      expect(await ctx.store.webhooks.delete(a.account.id, a.webhook.id)).toBe(true);
      const again = webhook(a.account.id);
      expect(await ctx.store.webhooks.create(again, 1)).toBe(true);
      expect((await ctx.store.webhooks.get(a.account.id, again.id))?.id).toBe(again.id);
      // Updating and disabling are not creates: unaffected by the limit.
      expect(await ctx.store.webhooks.update({ ...again, enabled: false, updated_at: T0 + 1 })).toBe(true);
    });

    test("concurrent creates never take an account past the limit", async () => {
      const acct = account();
      await ctx.store.accounts.create(acct, apiKey(acct.id));
      for (let i = 0; i < 9; i++) expect(await ctx.store.webhooks.create(webhook(acct.id), 10)).toBe(true);
      // Issued together: with group commit they share a transaction, and still only one fits.
      const hooks = Array.from({ length: 6 }, () => webhook(acct.id));
      const created = await Promise.all(hooks.map((w) => ctx.store.webhooks.create(w, 10)));
      expect(created.filter(Boolean)).toHaveLength(1);
      expect((await ctx.store.webhooks.list(acct.id, { limit: 100 })).data).toHaveLength(10);
      const found = await Promise.all(hooks.map((w) => ctx.store.webhooks.getById(w.id)));
      const stored = hooks.filter((_, i) => found[i] !== undefined);
      expect(stored.map((w) => w.id)).toEqual(hooks.filter((_, i) => created[i]).map((w) => w.id));
    });
  });
}
