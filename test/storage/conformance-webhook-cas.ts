// Conformance: WebhookRepository.update as a compare-and-set. With the record the caller read as
// `expected`, the write happens only while the stored webhook still has its updated_at and enabled;
// otherwise "stale" and nothing is written. So an edit made from a read older than a disable (the
// engine's 410, another replica's) can never re-enable the webhook or undo the cancellation.

import { describe, expect, test } from "bun:test";
import { dueEntries, publishOne, T0, tenant } from "./fixtures";
import { freshStorePerTest, type OpenStore } from "./store-context";

export function webhookCasSuites(name: string, open: OpenStore): void {
  describe(`${name} store: webhook update as a compare-and-set`, () => {
    const ctx = freshStorePerTest(open);

    test("writes while the stored webhook is the one read; answers stale, writing nothing, after another write", async () => {
      const t = await tenant(ctx.store);
      const read = t.webhook;
      const first = { ...read, description: "first", updated_at: read.updated_at + 10 };
      expect(await ctx.store.webhooks.update(first, read)).toBe(true);
      expect((await ctx.store.webhooks.get(t.account.id, read.id))?.description).toBe("first");
      const late = { ...read, description: "late", updated_at: read.updated_at + 20 };
      expect(await ctx.store.webhooks.update(late, read)).toBe("stale");
      expect(await ctx.store.webhooks.get(t.account.id, read.id)).toMatchObject({
        description: "first",
        updated_at: read.updated_at + 10,
      });
      // Without `expected`, as before: the write is unconditional.
      expect(await ctx.store.webhooks.update(late)).toBe(true);
      expect((await ctx.store.webhooks.get(t.account.id, read.id))?.description).toBe("late");
    });

    test("a disable in the same millisecond as the read record's updated_at still makes it stale", async () => {
      const t = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      const read = (await ctx.store.webhooks.get(t.account.id, t.webhook.id)) ?? t.webhook;
      expect(await ctx.store.webhooks.disable(read.id, "gone", read.updated_at)).toBeDefined();
      const edited = { ...read, description: "edited", updated_at: read.updated_at + 1 };
      expect(await ctx.store.webhooks.update(edited, read)).toBe("stale");
      // Still disabled for its reason, its backlog still cancelled; a fresh read shows it.
      const now = await ctx.store.webhooks.get(t.account.id, read.id);
      expect(now).toMatchObject({ enabled: false, disabled_reason: "gone", description: read.description });
      expect((await ctx.store.deliveries.getById(delivery.id))?.status).toBe("cancelled");
      expect(await dueEntries(ctx.store)).toEqual([]);
      // Re-applied to the fresh record, the edit is written and the webhook stays disabled.
      if (!now) return;
      const again = { ...now, description: "edited", updated_at: now.updated_at + 1 };
      expect(await ctx.store.webhooks.update(again, now)).toBe(true);
      expect(await ctx.store.webhooks.get(t.account.id, read.id)).toMatchObject({
        enabled: false,
        disabled_reason: "gone",
        description: "edited",
      });
    });

    test("of two writes from the same read, one is written and the other is stale", async () => {
      const t = await tenant(ctx.store);
      const read = t.webhook;
      const results = await Promise.all(
        ["a", "b"].map((d) =>
          ctx.store.webhooks.update({ ...read, description: d, updated_at: read.updated_at + 1 }, read),
        ),
      );
      expect(results.map(String).sort()).toEqual(["stale", "true"]);
    });

    test("a missing or foreign webhook answers false, not stale", async () => {
      const t = await tenant(ctx.store);
      const other = await tenant(ctx.store);
      expect(await ctx.store.webhooks.update({ ...t.webhook, account_id: other.account.id }, t.webhook)).toBe(
        false,
      );
      await ctx.store.webhooks.delete(t.account.id, t.webhook.id);
      expect(await ctx.store.webhooks.update({ ...t.webhook, updated_at: T0 + 5 }, t.webhook)).toBe(false);
    });
  });
}
