// Conformance: WebhookRepository.disable (issue 10 item 2): one atomic write that disables an
// enabled webhook with its reason and time and cancels its pending deliveries, answered only to the
// call that disabled it; update() keeps and clears the reason; the operator's webhooks (an account
// with no stored row) are stored like any other.

import { describe, expect, test } from "bun:test";
import { OPERATOR_ACCOUNT_ID } from "../../src/domain/operator";
import type { WebhookRecord } from "../../src/storage/records";
import { dueEntries, event, item, publishOne, T0, tenant, webhook } from "./fixtures";
import { freshStorePerTest, type OpenStore } from "./store-context";

export function disablingSuites(name: string, open: OpenStore): void {
  describe(`${name} store: disabling webhooks`, () => {
    const ctx = freshStorePerTest(open);

    test("disable stores the reason and time and cancels the webhook's pending deliveries", async () => {
      const t = await tenant(ctx.store);
      const other = webhook(t.account.id);
      await ctx.store.webhooks.create(other);
      const ev = event(t.account.id);
      const [published] = await ctx.store.events.publish([item(ev, [t.webhook.id, other.id])]);
      const [mine, theirs] = published?.deliveries ?? [];

      const disabled = await ctx.store.webhooks.disable(t.webhook.id, "gone", T0 + 10);
      const expected: WebhookRecord = {
        ...t.webhook,
        enabled: false,
        disabled_reason: "gone",
        disabled_at: T0 + 10,
        updated_at: T0 + 10,
      };
      expect(disabled).toEqual(expected);
      expect(await ctx.store.webhooks.getById(t.webhook.id)).toEqual(expected);
      expect(await ctx.store.webhooks.get(t.account.id, t.webhook.id)).toEqual(expected);
      expect(await ctx.store.webhooks.subscribers(t.account.id, ev.type)).toEqual([other]);

      const cancelled = await ctx.store.deliveries.getById(mine?.id ?? "");
      expect(cancelled?.status).toBe("cancelled");
      expect(cancelled?.next_attempt_at).toBeNull();
      expect(cancelled?.updated_at).toBe(T0 + 10);
      // The other webhook's delivery stays pending and due.
      expect((await ctx.store.deliveries.getById(theirs?.id ?? ""))?.status).toBe("pending");
      expect((await dueEntries(ctx.store)).map((d) => d.delivery_id)).toEqual([theirs?.id ?? ""]);

      const reopened = await ctx.reopen();
      if (reopened) expect(await reopened.webhooks.getById(t.webhook.id)).toEqual(expected);
    });

    test("only the call that disabled it is answered the webhook", async () => {
      const t = await tenant(ctx.store);
      const answers = await Promise.all([
        ctx.store.webhooks.disable(t.webhook.id, "gone", T0 + 1),
        ctx.store.webhooks.disable(t.webhook.id, "failing", T0 + 2),
        ctx.store.webhooks.disable(t.webhook.id, "gone", T0 + 3),
      ]);
      const winners = answers.filter((a) => a !== undefined);
      expect(winners).toHaveLength(1);
      const stored = await ctx.store.webhooks.getById(t.webhook.id);
      expect(stored).toEqual(winners[0]);
      expect(await ctx.store.webhooks.disable(t.webhook.id, "failing", T0 + 4)).toBeUndefined();
      expect(await ctx.store.webhooks.getById(t.webhook.id)).toEqual(stored);
    });

    test("a webhook disabled by update, a missing one and a deleted one are not disabled again", async () => {
      const t = await tenant(ctx.store);
      const manual = {
        ...t.webhook,
        enabled: false,
        disabled_reason: "manual" as const,
        disabled_at: T0 + 1,
      };
      await ctx.store.webhooks.update({ ...manual, updated_at: T0 + 1 });
      expect(await ctx.store.webhooks.disable(t.webhook.id, "gone", T0 + 2)).toBeUndefined();
      expect((await ctx.store.webhooks.getById(t.webhook.id))?.disabled_reason).toBe("manual");
      expect(await ctx.store.webhooks.disable("wh_missing", "gone", T0 + 2)).toBeUndefined();
      const doomed = webhook(t.account.id);
      await ctx.store.webhooks.create(doomed);
      await ctx.store.webhooks.delete(t.account.id, doomed.id);
      expect(await ctx.store.webhooks.disable(doomed.id, "gone", T0 + 3)).toBeUndefined();
      expect(await ctx.store.webhooks.getById(doomed.id)).toBeUndefined();
    });

    test("updated_at never goes backwards", async () => {
      const t = await tenant(ctx.store);
      await ctx.store.webhooks.update({ ...t.webhook, updated_at: T0 + 100 });
      const disabled = await ctx.store.webhooks.disable(t.webhook.id, "failing", T0 + 50);
      expect(disabled?.updated_at).toBe(T0 + 100);
      expect(disabled?.disabled_at).toBe(T0 + 50);
    });

    test("re-enabling through update clears the reason; the cancelled deliveries stay cancelled", async () => {
      const t = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      const disabled = await ctx.store.webhooks.disable(t.webhook.id, "gone", T0 + 5);
      if (!disabled) throw new Error("not disabled");
      const enabled = {
        ...disabled,
        enabled: true,
        disabled_reason: null,
        disabled_at: null,
        updated_at: T0 + 6,
      };
      expect(await ctx.store.webhooks.update(enabled)).toBe(true);
      const got = await ctx.store.webhooks.getById(t.webhook.id);
      expect(got?.enabled).toBe(true);
      expect(got?.disabled_reason ?? null).toBeNull();
      expect(got?.disabled_at ?? null).toBeNull();
      expect((await ctx.store.deliveries.getById(delivery.id))?.status).toBe("cancelled");
      expect(await dueEntries(ctx.store)).toEqual([]);
      // Enabled again: it can be disabled again, and takes new deliveries meanwhile.
      expect(await ctx.store.webhooks.subscribers(t.account.id, "message.delivered")).toHaveLength(1);
      expect((await ctx.store.webhooks.disable(t.webhook.id, "failing", T0 + 7))?.disabled_reason).toBe(
        "failing",
      );
    });

    test("update stores a manual reason with the disabling", async () => {
      const t = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      const manual = {
        ...t.webhook,
        enabled: false,
        disabled_reason: "manual" as const,
        disabled_at: T0 + 3,
        updated_at: T0 + 3,
      };
      expect(await ctx.store.webhooks.update(manual)).toBe(true);
      expect(await ctx.store.webhooks.getById(t.webhook.id)).toEqual(manual);
      expect((await ctx.store.deliveries.getById(delivery.id))?.status).toBe("cancelled");
    });

    test("the operator's webhooks need no stored account and are listed apart from every account", async () => {
      const t = await tenant(ctx.store);
      const mine = webhook(OPERATOR_ACCOUNT_ID, { events: ["webhook.disabled"] });
      expect(await ctx.store.webhooks.create(mine, 10)).toBe(true);
      expect(await ctx.store.webhooks.get(OPERATOR_ACCOUNT_ID, mine.id)).toEqual(mine);
      expect(await ctx.store.webhooks.get(t.account.id, mine.id)).toBeUndefined();
      expect((await ctx.store.webhooks.list(OPERATOR_ACCOUNT_ID, { limit: 10 })).data).toEqual([mine]);
      expect((await ctx.store.webhooks.list(t.account.id, { limit: 10 })).data).toEqual([t.webhook]);
      expect(await ctx.store.webhooks.subscribers(OPERATOR_ACCOUNT_ID, "webhook.disabled")).toEqual([mine]);
      expect((await ctx.store.accounts.list({ limit: 10 })).data.map((a) => a.id)).toEqual([t.account.id]);
      // Its events publish and fan out like an account's.
      const ev = event(OPERATOR_ACCOUNT_ID, { type: "webhook.disabled" });
      const [published] = await ctx.store.events.publish([item(ev, [mine.id])]);
      expect(published?.deliveries).toHaveLength(1);
      expect((await ctx.store.events.get(OPERATOR_ACCOUNT_ID, ev.id))?.type).toBe("webhook.disabled");
      // The per-account limit counts the operator's webhooks too.
      expect(await ctx.store.webhooks.create(webhook(OPERATOR_ACCOUNT_ID), 1)).toBe(false);
    });
  });
}
