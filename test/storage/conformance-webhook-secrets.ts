// Conformance: a webhook's secret rotation (WebhookRepository.rotateSecret) and the previous secret
// kept through the overlap; update() never changes the secrets.

import { describe, expect, test } from "bun:test";
import { account, apiKey, T0, tenant, webhook } from "./fixtures";
import { freshStorePerTest, type OpenStore } from "./store-context";

const NEW = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const NEWER = "whsec_3Tu8pxJHSkAo2OLGF1yTfTAl8h0IBhQz";
const DAY = 86_400_000;

export function webhookSecretSuites(name: string, open: OpenStore): void {
  describe(`${name} store: webhook secret rotation`, () => {
    const ctx = freshStorePerTest(open);

    test("a webhook starts with no previous secret", async () => {
      const t = await tenant(ctx.store);
      const got = await ctx.store.webhooks.get(t.account.id, t.webhook.id);
      expect(got?.previous_secret).toBeUndefined();
      expect(got).toEqual(t.webhook);
    });

    test("rotation keeps the old secret until the expiry, on every read and after a reopen", async () => {
      const t = await tenant(ctx.store);
      const rotated = await ctx.store.webhooks.rotateSecret(
        t.account.id,
        t.webhook.id,
        NEW,
        T0 + DAY,
        T0 + 5,
      );
      const expected = {
        ...t.webhook,
        secret: NEW,
        previous_secret: { secret: t.webhook.secret, expires_at: T0 + DAY },
        updated_at: T0 + 5,
      };
      expect(rotated).toEqual(expected);
      expect(await ctx.store.webhooks.get(t.account.id, t.webhook.id)).toEqual(expected);
      expect(await ctx.store.webhooks.getById(t.webhook.id)).toEqual(expected);
      expect((await ctx.store.webhooks.list(t.account.id, { limit: 10 })).data).toEqual([expected]);
      expect(await ctx.store.webhooks.subscribers(t.account.id, "message.delivered")).toEqual([expected]);
      const reopened = await ctx.reopen();
      if (reopened) expect(await reopened.webhooks.getById(t.webhook.id)).toEqual(expected);
    });

    test("a null expiry retires the old secret; rotating again drops the older previous secret", async () => {
      const t = await tenant(ctx.store);
      await ctx.store.webhooks.rotateSecret(t.account.id, t.webhook.id, NEW, T0 + DAY, T0 + 1);
      const again = await ctx.store.webhooks.rotateSecret(
        t.account.id,
        t.webhook.id,
        NEWER,
        T0 + 2 * DAY,
        T0 + 2,
      );
      expect(again?.secret).toBe(NEWER);
      expect(again?.previous_secret).toEqual({ secret: NEW, expires_at: T0 + 2 * DAY });
      const retired = await ctx.store.webhooks.rotateSecret(t.account.id, t.webhook.id, NEW, null, T0 + 3);
      expect(retired?.secret).toBe(NEW);
      expect(retired?.previous_secret).toBeUndefined();
      expect(await ctx.store.webhooks.getById(t.webhook.id)).toEqual(retired);
    });

    test("updated_at never goes backwards", async () => {
      const t = await tenant(ctx.store);
      await ctx.store.webhooks.update({ ...t.webhook, updated_at: T0 + 100 });
      const rotated = await ctx.store.webhooks.rotateSecret(t.account.id, t.webhook.id, NEW, null, T0 + 50);
      expect(rotated?.updated_at).toBe(T0 + 100);
    });

    test("missing or foreign webhooks are not rotated", async () => {
      const t = await tenant(ctx.store);
      const other = account();
      await ctx.store.accounts.create(other, apiKey(other.id));
      expect(
        await ctx.store.webhooks.rotateSecret(other.id, t.webhook.id, NEW, null, T0 + 1),
      ).toBeUndefined();
      expect(
        await ctx.store.webhooks.rotateSecret(t.account.id, "wh_missing", NEW, null, T0 + 1),
      ).toBeUndefined();
      expect(await ctx.store.webhooks.getById(t.webhook.id)).toEqual(t.webhook);
    });

    test("update never changes the secrets", async () => {
      const t = await tenant(ctx.store);
      const rotated = await ctx.store.webhooks.rotateSecret(
        t.account.id,
        t.webhook.id,
        NEW,
        T0 + DAY,
        T0 + 1,
      );
      // A stale copy read before the rotation, written back by an update, keeps the rotation.
      expect(
        await ctx.store.webhooks.update({ ...t.webhook, description: "changed", updated_at: T0 + 2 }),
      ).toBe(true);
      const got = await ctx.store.webhooks.getById(t.webhook.id);
      expect(got).toEqual({
        ...t.webhook,
        description: "changed",
        updated_at: T0 + 2,
        secret: NEW,
        previous_secret: rotated?.previous_secret,
      });
      const plain = webhook(t.account.id);
      await ctx.store.webhooks.create(plain);
      await ctx.store.webhooks.update({
        ...plain,
        secret: NEW,
        previous_secret: { secret: NEWER, expires_at: FAR_EXPIRY },
        updated_at: T0 + 3,
      });
      expect(await ctx.store.webhooks.getById(plain.id)).toEqual({ ...plain, updated_at: T0 + 3 });
    });

    test("concurrent rotations chain: each one's previous secret is the one before it", async () => {
      const t = await tenant(ctx.store);
      const secrets = [NEW, NEWER, "whsec_9nXo1mZc1sYpH0bGm3kq6Yx8pQd2vL4RwTzA5cE7uJ0="];
      const results = await Promise.all(
        secrets.map((s, i) =>
          ctx.store.webhooks.rotateSecret(t.account.id, t.webhook.id, s, T0 + DAY, T0 + 1 + i),
        ),
      );
      const previous = results.map((r) => r?.previous_secret?.secret);
      // Together the rotations' previous secrets are the original and all but the last one stored.
      const final = await ctx.store.webhooks.getById(t.webhook.id);
      const chain = new Set([t.webhook.secret, ...secrets]);
      chain.delete(final?.secret ?? "");
      expect(new Set(previous)).toEqual(chain);
      expect(final?.previous_secret?.secret).not.toBe(t.webhook.secret);
    });
  });
}

const FAR_EXPIRY = T0 + 7 * 86_400_000;
