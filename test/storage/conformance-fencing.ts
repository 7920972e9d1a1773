// Conformance: outcomes under leases. recordAttempt is fenced by the lease token (a stale token
// writes nothing, not even the attempt), recording ends the lease or relets a near retry to the
// same owner, cancellation and reschedule keep the token, and a publish may lease its own first
// attempts.

import { describe, expect, test } from "bun:test";
import type { DeliveryRecord } from "../../src/storage/records";
import type { Lease, LeaseRequest, Store } from "../../src/storage/store";
import {
  attempt,
  dueEntries,
  event,
  item,
  leaseRequest,
  OTHER,
  OWNER,
  publishOne,
  refOf,
  T0,
  type Tenant,
  tenant,
  webhook,
} from "./fixtures";
import { freshStorePerTest, type OpenStore } from "./store-context";

async function leaseOne(store: Store, over: Partial<LeaseRequest> = {}): Promise<Lease> {
  const [lease] = await store.work.lease(leaseRequest({ limit: 1, ...over }));
  if (!lease) throw new Error("nothing leased");
  return lease;
}

/** Nothing of the attempt is visible: the delivery is as it was, no log line anywhere. */
async function expectUntouched(store: Store, t: Tenant, before: DeliveryRecord): Promise<void> {
  expect(await store.deliveries.getById(before.id)).toEqual(before);
  expect(await store.attempts.listForDelivery(before.id)).toEqual([]);
  expect((await store.attempts.listForWebhook(t.account.id, t.webhook.id, {}, { limit: 10 })).data).toEqual(
    [],
  );
}

const retry = (at: number) => ({ status: "pending" as const, next_attempt_at: at });

export function fencingSuites(name: string, open: OpenStore): void {
  describe(`${name} store: fenced outcomes`, () => {
    const ctx = freshStorePerTest(open);

    test("a stale token writes nothing, not even the attempt log", async () => {
      const t = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      const stale = await leaseOne(ctx.store);
      ctx.clock.advance(1_000);
      const current = await leaseOne(ctx.store, { owner: OTHER });
      const late = await ctx.store.deliveries.recordAttempt(attempt(delivery), retry(T0 + 5), refOf(stale));
      expect(late).toEqual({ kind: "fenced" });
      await expectUntouched(ctx.store, t, delivery);
      const made = attempt(delivery, { outcome: "succeeded", status_code: 200 });
      const result = await ctx.store.deliveries.recordAttempt(made, { status: "succeeded" }, refOf(current));
      expect(result).toMatchObject({ kind: "recorded", delivery: { status: "succeeded", attempts: 1 } });
      expect(await ctx.store.attempts.listForDelivery(delivery.id)).toEqual([made]);
    });

    test("an expired lease nobody has taken again still records its holder's late outcome", async () => {
      const t = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      const lease = await leaseOne(ctx.store);
      ctx.clock.advance(5_000);
      const made = attempt(delivery);
      const late = await ctx.store.deliveries.recordAttempt(made, retry(T0 + 9_000), refOf(lease));
      expect(late).toMatchObject({
        kind: "recorded",
        delivery: { attempts: 1, next_attempt_at: T0 + 9_000 },
      });
      expect(await ctx.store.attempts.listForDelivery(delivery.id)).toEqual([made]);
    });

    test("recording ends the lease: the token is spent, the retry is leasable by anyone", async () => {
      const t = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      const lease = await leaseOne(ctx.store);
      const first = attempt(delivery);
      const result = await ctx.store.deliveries.recordAttempt(first, retry(T0 + 5), refOf(lease));
      expect(result).toMatchObject({ kind: "recorded", delivery: { status: "pending", attempts: 1 } });
      expect("lease" in result && result.lease).toBeFalsy();
      const after = (await ctx.store.deliveries.getById(delivery.id)) ?? fail();
      // The same token again (a replayed outcome) is stale.
      const replay = await ctx.store.deliveries.recordAttempt(attempt(after), retry(T0 + 9), refOf(lease));
      expect(replay).toEqual({ kind: "fenced" });
      expect(await ctx.store.attempts.listForDelivery(delivery.id)).toEqual([first]);
      const next = await leaseOne(ctx.store, { owner: OTHER });
      expect(next.delivery).toEqual(after);
      expect(next.token).toBeGreaterThan(lease.token);
    });

    test("two outcomes with one token in one turn: only the first is written", async () => {
      const t = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      const ref = refOf(await leaseOne(ctx.store));
      const [a, b] = [attempt(delivery), attempt(delivery, { outcome: "succeeded", status_code: 200 })];
      const results = await Promise.all([
        ctx.store.deliveries.recordAttempt(a, retry(T0 + 5), ref),
        ctx.store.deliveries.recordAttempt(b, { status: "succeeded" }, ref),
      ]);
      expect(results.map((r) => r.kind).sort()).toEqual(["fenced", "recorded"]);
      const logged = await ctx.store.attempts.listForDelivery(delivery.id);
      expect(logged).toHaveLength(1);
      expect((await ctx.store.deliveries.getById(delivery.id))?.attempts).toBe(1);
    });

    const cancellations: Array<[string, (store: Store, t: Tenant) => Promise<unknown>]> = [
      [
        "disabling its webhook",
        (s, t) => s.webhooks.update({ ...t.webhook, enabled: false, updated_at: T0 + 1 }),
      ],
      ["deleting its webhook", (s, t) => s.webhooks.delete(t.account.id, t.webhook.id)],
      ["deleting its account", (s, t) => s.accounts.delete(t.account.id)],
    ];
    for (const [label, cancel] of cancellations) {
      test(`cancellation by ${label} keeps the token: the attempt in flight is logged and counted, the delivery stays cancelled`, async () => {
        const t = await tenant(ctx.store);
        const { delivery } = await publishOne(ctx.store, t);
        const lease = await leaseOne(ctx.store);
        await cancel(ctx.store, t);
        const made = attempt(delivery);
        const result = await ctx.store.deliveries.recordAttempt(made, retry(T0 + 5), refOf(lease), {
          relet: { withinMs: 60_000, leaseMs: 1_000 },
        });
        expect(result).toMatchObject({ kind: "recorded", delivery: { status: "cancelled", attempts: 1 } });
        expect("lease" in result && result.lease).toBeFalsy();
        expect((await ctx.store.deliveries.getById(delivery.id))?.status).toBe("cancelled");
        expect(await ctx.store.attempts.listForDelivery(delivery.id)).toEqual([made]);
        expect(await dueEntries(ctx.store)).toEqual([]);
      });
    }

    test("a cancelled delivery's lease cannot be renewed (nothing is to be sent) but still records", async () => {
      const t = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      const lease = await leaseOne(ctx.store);
      expect((await ctx.store.work.renew(OWNER, refOf(lease), 1_000))?.token).toBe(lease.token);
      await ctx.store.webhooks.delete(t.account.id, t.webhook.id);
      expect(await ctx.store.work.renew(OWNER, refOf(lease), 1_000)).toBeUndefined();
      const result = await ctx.store.deliveries.recordAttempt(attempt(delivery), retry(T0 + 5), refOf(lease));
      expect(result).toMatchObject({ kind: "recorded", delivery: { status: "cancelled" } });
    });

    test("reschedule keeps a live lease: nobody else gets it, and its holder's outcome decides", async () => {
      const t = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      const lease = await leaseOne(ctx.store);
      const moved = await ctx.store.deliveries.reschedule(t.account.id, delivery.id, T0 + 3);
      expect(moved).toMatchObject({ status: "pending", next_attempt_at: T0 + 3 });
      expect(await ctx.store.work.lease(leaseRequest({ owner: OTHER }))).toEqual([]);
      const result = await ctx.store.deliveries.recordAttempt(
        attempt(delivery),
        retry(T0 + 30_000),
        refOf(lease),
      );
      expect(result).toMatchObject({
        kind: "recorded",
        delivery: { next_attempt_at: T0 + 30_000, attempts: 1 },
      });
      expect(await dueEntries(ctx.store)).toEqual([{ delivery_id: delivery.id, due: T0 + 30_000 }]);
    });
  });

  describe(`${name} store: relet and publish leases`, () => {
    const ctx = freshStorePerTest(open);
    const relet = { withinMs: 1_000, leaseMs: 2_000 };

    test("a retry due within relet.withinMs stays leased to the same owner with a new token", async () => {
      const t = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      const lease = await leaseOne(ctx.store);
      const result = await ctx.store.deliveries.recordAttempt(
        attempt(delivery),
        retry(T0 + 500),
        refOf(lease),
        { relet },
      );
      if (result.kind !== "recorded" || !result.lease)
        throw new Error(`not relet: ${JSON.stringify(result)}`);
      expect(result.lease.delivery).toEqual(result.delivery);
      expect(result.lease.token).toBeGreaterThan(lease.token);
      expect(result.lease.expiresInMs).toBe(500 + 2_000);
      expect(await ctx.store.work.lease(leaseRequest({ owner: OTHER }))).toEqual([]);
      const stale = await ctx.store.deliveries.recordAttempt(
        attempt(result.delivery),
        retry(T0 + 900),
        refOf(lease),
      );
      expect(stale).toEqual({ kind: "fenced" });
      const done = await ctx.store.deliveries.recordAttempt(
        attempt(result.delivery, { outcome: "succeeded", status_code: 200 }),
        { status: "succeeded" },
        refOf(result.lease),
        { relet },
      );
      expect(done).toMatchObject({ kind: "recorded", delivery: { status: "succeeded", attempts: 2 } });
      expect("lease" in done && done.lease).toBeFalsy();
    });

    test("a retry due at or after relet.withinMs is not relet and is leasable by anyone", async () => {
      const t = await tenant(ctx.store);
      const { delivery } = await publishOne(ctx.store, t);
      const lease = await leaseOne(ctx.store);
      const result = await ctx.store.deliveries.recordAttempt(
        attempt(delivery),
        retry(T0 + 1_000),
        refOf(lease),
        { relet },
      );
      expect(result.kind).toBe("recorded");
      expect("lease" in result && result.lease).toBeFalsy();
      expect((await leaseOne(ctx.store, { owner: OTHER })).delivery.id).toBe(delivery.id);
    });

    test("publish leases at most `max` new pending deliveries due now, each in its event's result", async () => {
      const t = await tenant(ctx.store);
      const second = webhook(t.account.id);
      const off = webhook(t.account.id, { enabled: false });
      for (const wh of [second, off]) await ctx.store.webhooks.create(wh);
      const hooks = [t.webhook.id, second.id, off.id];
      const [now1, now2, later] = [event(t.account.id), event(t.account.id), event(t.account.id)];
      const options = { lease: { owner: OWNER, leaseMs: 1_000, max: 3 } };
      const results = await ctx.store.events.publish(
        [item(later, hooks, T0 + 5), item(now1, hooks, T0), item(now2, hooks, T0 - 5)],
        options,
      );
      const leases = results.flatMap((r) => r.leases);
      expect(leases).toHaveLength(3);
      expect(results[0]?.leases).toEqual([]); // due later: not leased
      for (const r of results) {
        for (const lease of r.leases) {
          expect(lease.delivery.event_id).toBe(r.event.id);
          expect(r.deliveries).toContainEqual(lease.delivery);
          expect(lease.delivery.webhook_id).not.toBe(off.id); // stored cancelled
          expect(lease.expiresInMs).toBe(1_000);
        }
      }
      // The fourth due-now delivery and the two due later are left for anyone.
      const rest = await ctx.store.work.lease(leaseRequest({ owner: OTHER }));
      expect(rest).toHaveLength(3);
      const leased = new Set(leases.map((l) => l.delivery.id));
      for (const lease of rest) expect(leased.has(lease.delivery.id)).toBe(false);
      // A lease from a publish fences like any other.
      const first = leases[0] ?? fail();
      const made = attempt(first.delivery, { outcome: "succeeded", status_code: 200 });
      const done = await ctx.store.deliveries.recordAttempt(made, { status: "succeeded" }, refOf(first));
      expect(done.kind).toBe("recorded");
    });

    test("a publish that creates nothing leases nothing", async () => {
      const t = await tenant(ctx.store);
      const ev = event(t.account.id, { id: "order-7" });
      await ctx.store.events.publish([item(ev, [t.webhook.id])]);
      const options = { lease: { owner: OWNER, leaseMs: 1_000, max: 10 } };
      const [again] = await ctx.store.events.publish([item(ev, [t.webhook.id])], options);
      expect(again).toMatchObject({ created: false, leases: [] });
      expect(await dueEntries(ctx.store)).toHaveLength(1);
    });
  });
}

function fail(): never {
  throw new Error("missing value");
}
