// Conformance: the per-webhook controls of issue 11 (headers, rate_limit, channels) and event
// channels are stored and read back as given, in both stores: through create, update, every read,
// subscribers (which the publish fan-out filters by channel) and a reopen; absent controls stay
// absent, so records from before them read unchanged.

import { describe, expect, test } from "bun:test";
import type { WebhookRecord } from "../../src/storage/records";
import { delivery, event, item, T0, tenant, webhook } from "./fixtures";
import { freshStorePerTest, type OpenStore } from "./store-context";

const CONTROLS = {
  // Names in a deliberate non-alphabetical order, mixed case: shown as given.
  headers: { "X-Tenant": "acme", Authorization: "Bearer rk_live_4eC39HqLyjWDarjtT1zdp7dc", "x-b": "" },
  rate_limit: 250,
  channels: ["tenant:acme", "eu-west", "a.b_c-d"],
} satisfies Partial<WebhookRecord>;

export function webhookControlSuites(name: string, open: OpenStore): void {
  describe(`${name} store: webhook controls and event channels`, () => {
    const ctx = freshStorePerTest(open);

    test("a webhook's headers, rate limit and channels read back as given, after a reopen too", async () => {
      const t = await tenant(ctx.store);
      const wh = webhook(t.account.id, CONTROLS);
      expect(await ctx.store.webhooks.create(wh)).toBe(true);
      const { store } = ctx;
      for (const got of [
        await store.webhooks.get(t.account.id, wh.id),
        await store.webhooks.getById(wh.id),
        (await store.webhooks.list(t.account.id, { limit: 10 })).data.find((w) => w.id === wh.id),
        (await store.webhooks.subscribers(t.account.id, "message.read")).find((w) => w.id === wh.id),
      ]) {
        expect(got).toEqual(wh);
        expect(Object.keys(got?.headers ?? {})).toEqual(["X-Tenant", "Authorization", "x-b"]);
      }
      const reopened = await ctx.reopen();
      if (reopened) expect(await reopened.webhooks.getById(wh.id)).toEqual(wh);
    });

    test("a webhook without controls has none of the fields", async () => {
      const t = await tenant(ctx.store);
      const got = await ctx.store.webhooks.getById(t.webhook.id);
      expect(got).toEqual(t.webhook);
      for (const field of ["headers", "rate_limit", "channels"]) expect(got && field in got).toBe(false);
    });

    test("update sets, changes and clears the controls", async () => {
      const t = await tenant(ctx.store);
      const set = { ...t.webhook, ...CONTROLS, updated_at: T0 + 1 };
      expect(await ctx.store.webhooks.update(set)).toBe(true);
      expect(await ctx.store.webhooks.getById(t.webhook.id)).toEqual(set);

      const changed = { ...set, headers: { Authorization: "Bearer new" }, rate_limit: 1, channels: ["x"] };
      expect(await ctx.store.webhooks.update(changed)).toBe(true);
      expect(await ctx.store.webhooks.getById(t.webhook.id)).toEqual(changed);

      const { headers: _h, rate_limit: _r, channels: _c, ...cleared } = changed;
      expect(await ctx.store.webhooks.update({ ...cleared, updated_at: T0 + 2 })).toBe(true);
      expect(await ctx.store.webhooks.getById(t.webhook.id)).toEqual({ ...cleared, updated_at: T0 + 2 });
      // A secret rotation keeps them.
      await ctx.store.webhooks.update(changed);
      const rotated = await ctx.store.webhooks.rotateSecret(
        t.account.id,
        t.webhook.id,
        "whsec_x",
        null,
        T0 + 3,
      );
      expect(rotated).toMatchObject({ headers: changed.headers, rate_limit: 1, channels: ["x"] });
    });

    test("subscribers answer each webhook's channels; disabled webhooks are left out as ever", async () => {
      const t = await tenant(ctx.store);
      const routed = webhook(t.account.id, { events: ["message.read"], channels: ["eu"] });
      const off = webhook(t.account.id, { events: ["message.read"], channels: ["eu"], enabled: false });
      await ctx.store.webhooks.create(routed);
      await ctx.store.webhooks.create(off);
      const found = await ctx.store.webhooks.subscribers(t.account.id, "message.read");
      expect(found.map((w) => w.id).sort()).toEqual([t.webhook.id, routed.id].sort());
      expect(found.find((w) => w.id === routed.id)?.channels).toEqual(["eu"]);
      expect(found.find((w) => w.id === t.webhook.id)?.channels).toBeUndefined();
    });

    test("an event's channels read back as given through publish, get, list, a replay and a reopen", async () => {
      const t = await tenant(ctx.store);
      const ev = event(t.account.id, { channels: ["eu-west", "tenant:acme"] });
      const plain = event(t.account.id, { created_at: T0 + 1 });
      const results = await ctx.store.events.publish([item(ev, [t.webhook.id]), item(plain, [])]);
      expect(results.map((r) => r.event)).toEqual([ev, plain]);
      expect(await ctx.store.events.get(t.account.id, ev.id)).toEqual(ev);
      const got = await ctx.store.events.get(t.account.id, plain.id);
      expect(got).toEqual(plain);
      expect(got && "channels" in got).toBe(false);
      const listed = (await ctx.store.events.list(t.account.id, { limit: 10 })).data;
      expect(listed.find((e) => e.id === ev.id)).toEqual(ev);

      // Publishing the same id again answers the stored event, channels and all.
      const again = await ctx.store.events.publish([item({ ...ev, channels: ["other"] }, [t.webhook.id])]);
      expect(again[0]?.created).toBe(false);
      expect(again[0]?.event).toEqual(ev);

      // A replay rewrites the event's stored delivery list: its channels stay.
      const replayed = await ctx.store.events.addDeliveries(t.account.id, ev.id, [
        delivery(ev, t.webhook.id, { created_at: T0 + 5, updated_at: T0 + 5, next_attempt_at: T0 + 5 }),
      ]);
      expect(replayed.kind).toBe("added");
      expect(await ctx.store.events.get(t.account.id, ev.id)).toEqual(ev);
      const reopened = await ctx.reopen();
      if (reopened) expect(await reopened.events.get(t.account.id, ev.id)).toEqual(ev);
    });
  });
}
