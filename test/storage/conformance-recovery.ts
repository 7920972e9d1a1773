// Conformance: recovery of a webhook's failed and cancelled deliveries (DeliveryRepository
// countRecoverable and recover), and the exactness of what they read through every write that moves
// a delivery into or out of failed or cancelled (attempt outcomes, retry, cancellation, retention).

import { describe, expect, test } from "bun:test";
import type { DeliveryRecord, RecoveryWindow } from "../../src/storage/records";
import { InvalidCursorError, type Store } from "../../src/storage/store";
import { attempt, dueEntries, event, item, recorded, T0, type Tenant, tenant, webhook } from "./fixtures";
import { freshStorePerTest, type OpenStore } from "./store-context";

const HOUR = 3_600_000;
/** Every delivery of these tests is created in [T0, T0 + 10 h). */
const ALL: RecoveryWindow = { since: T0 - HOUR, until: T0 + 10 * HOUR };

/** Publishes one event at `at` to the tenant's webhook; answers its pending delivery. */
async function publishAt(store: Store, t: Tenant, at: number, webhookId = t.webhook.id) {
  const ev = event(t.account.id, { created_at: at });
  const [result] = await store.events.publish([item(ev, [webhookId], at)]);
  const d = result?.deliveries[0];
  if (!d) throw new Error("publish answered no delivery");
  return d;
}

/** A delivery published at `at` whose attempts all failed: `attempts` of them, the last final. */
async function failedAt(store: Store, t: Tenant, at: number, attempts = 2): Promise<DeliveryRecord> {
  let d = await publishAt(store, t, at);
  for (let n = 1; n <= attempts; n++) {
    const update =
      n < attempts ? { status: "pending" as const, next_attempt_at: at } : { status: "failed" as const };
    d = await recorded(store, attempt(d, { started_at: at + n }), update);
  }
  return d;
}

/** Counts through every chunk, as the domain does. */
async function countAll(store: Store, t: Tenant, window = ALL, limit = 2): Promise<number> {
  let total = 0;
  let after: string | undefined;
  for (let chunks = 0; chunks < 1000; chunks++) {
    const chunk = await store.deliveries.countRecoverable(t.account.id, t.webhook.id, window, {
      after,
      limit,
    });
    total += chunk.count;
    if (chunk.next === null) return total;
    after = chunk.next;
  }
  throw new Error("count did not end");
}

/**
 * One batch of at most 2; each delivery it recovers then fails again at once (a recovered delivery
 * that fails again is not taken again by the next batch).
 */
async function recoverAndFailAgain(store: Store, t: Tenant, after: string | undefined, at: number) {
  const batch = await store.deliveries.recover(t.account.id, t.webhook.id, ALL, { after, limit: 2, due: T0 });
  if (batch.kind !== "recovered") throw new Error("refused");
  expect(batch.deliveries.length).toBeLessThanOrEqual(2);
  for (const d of batch.deliveries)
    await recorded(store, attempt(d, { started_at: at }), { status: "failed" });
  return { ids: batch.deliveries.map((d) => d.id), next: batch.next };
}

export function recoverySuites(name: string, open: OpenStore): void {
  describe(`${name} store: recovery`, () => {
    const ctx = freshStorePerTest(open);

    test("failed and cancelled deliveries in the window become pending, with retry_base", async () => {
      const t = await tenant(ctx.store);
      const failed = await failedAt(ctx.store, t, T0 + HOUR, 3);
      const pendingOne = await publishAt(ctx.store, t, T0 + HOUR);
      const succeeded = await recorded(
        ctx.store,
        attempt(await publishAt(ctx.store, t, T0 + HOUR), { outcome: "succeeded", status_code: 200 }),
        { status: "succeeded" },
      );
      // Disabling cancels what is pending; enabling again leaves it cancelled.
      await ctx.store.webhooks.update({ ...t.webhook, enabled: false });
      await ctx.store.webhooks.update({ ...t.webhook, enabled: true });
      const cancelled = await ctx.store.deliveries.get(t.account.id, pendingOne.id);
      expect(cancelled?.status).toBe("cancelled");
      expect(await countAll(ctx.store, t)).toBe(2);

      const due = T0 + 5 * HOUR;
      ctx.clock.set(due);
      const batch = await ctx.store.deliveries.recover(t.account.id, t.webhook.id, ALL, { limit: 10, due });
      if (batch.kind !== "recovered") throw new Error(`refused: ${batch.reason}`);
      expect(batch.next).toBeNull();
      const byId = new Map(batch.deliveries.map((d) => [d.id, d]));
      expect([...byId.keys()].sort()).toEqual([failed.id, pendingOne.id].sort());
      expect(byId.get(failed.id)).toEqual({
        ...failed,
        status: "pending",
        next_attempt_at: due,
        updated_at: due,
        retry_base: 3,
      });
      // Never attempted: nothing to count from, retry_base stays 0 (absent).
      expect(byId.get(pendingOne.id)).toEqual({
        ...cancelled,
        status: "pending",
        next_attempt_at: due,
        updated_at: due,
      } as DeliveryRecord);
      for (const d of batch.deliveries) expect(await ctx.store.deliveries.get(t.account.id, d.id)).toEqual(d);
      // The listing shows them as stored, retry_base included.
      const listed = await ctx.store.deliveries.list(t.account.id, { status: "pending" }, { limit: 100 });
      for (const d of batch.deliveries) expect(listed.data.find((x) => x.id === d.id)).toEqual(d);
      expect((await dueEntries(ctx.store)).map((e) => e.delivery_id).sort()).toEqual(
        [failed.id, pendingOne.id].sort(),
      );
      expect(await ctx.store.deliveries.get(t.account.id, succeeded.id)).toEqual(succeeded);
      expect(await countAll(ctx.store, t)).toBe(0);
    });

    test("attempts continue after recovery and the earlier ones stay in the log", async () => {
      const t = await tenant(ctx.store);
      const failed = await failedAt(ctx.store, t, T0, 2);
      const batch = await ctx.store.deliveries.recover(t.account.id, t.webhook.id, ALL, {
        limit: 10,
        due: T0,
      });
      if (batch.kind !== "recovered") throw new Error("refused");
      const [again] = batch.deliveries;
      if (!again) throw new Error("nothing recovered");
      const third = await recorded(ctx.store, attempt(again, { started_at: T0 + 10 }), { status: "failed" });
      expect(third.attempts).toBe(3);
      expect(third.retry_base).toBe(2);
      const log = await ctx.store.attempts.listForDelivery(failed.id);
      expect(log.map((a) => a.attempt)).toEqual([1, 2, 3]);
      // Failed again: recoverable again, by a later recovery.
      expect(await countAll(ctx.store, t)).toBe(1);
    });

    test("only deliveries created in [since, until) are recovered", async () => {
      const t = await tenant(ctx.store);
      const before = await failedAt(ctx.store, t, T0);
      const atSince = await failedAt(ctx.store, t, T0 + HOUR);
      const inside = await failedAt(ctx.store, t, T0 + 2 * HOUR);
      const atUntil = await failedAt(ctx.store, t, T0 + 3 * HOUR);
      const window = { since: T0 + HOUR, until: T0 + 3 * HOUR };
      expect(await countAll(ctx.store, t, window)).toBe(2);
      const batch = await ctx.store.deliveries.recover(t.account.id, t.webhook.id, window, {
        limit: 10,
        due: T0,
      });
      if (batch.kind !== "recovered") throw new Error("refused");
      expect(batch.deliveries.map((d) => d.id).sort()).toEqual([atSince.id, inside.id].sort());
      for (const d of [before, atUntil]) {
        expect((await ctx.store.deliveries.get(t.account.id, d.id))?.status).toBe("failed");
      }
    });

    test("another webhook's deliveries are untouched", async () => {
      const t = await tenant(ctx.store);
      const other = webhook(t.account.id);
      await ctx.store.webhooks.create(other);
      const mine = await failedAt(ctx.store, t, T0);
      const theirs = await failedAt(ctx.store, { ...t, webhook: other }, T0);
      const batch = await ctx.store.deliveries.recover(t.account.id, t.webhook.id, ALL, {
        limit: 10,
        due: T0,
      });
      if (batch.kind !== "recovered") throw new Error("refused");
      expect(batch.deliveries.map((d) => d.id)).toEqual([mine.id]);
      expect((await ctx.store.deliveries.get(t.account.id, theirs.id))?.status).toBe("failed");
    });

    test("batches walk the window in order with `after`, each bounded by `limit`", async () => {
      const t = await tenant(ctx.store);
      const failed: DeliveryRecord[] = [];
      for (let i = 0; i < 5; i++) failed.push(await failedAt(ctx.store, t, T0 + i * 1_000, 1));
      const seen: string[] = [];
      let after: string | undefined;
      for (let n = 0; n < 10; n++) {
        const batch = await recoverAndFailAgain(ctx.store, t, after, T0 + 50_000 + n);
        seen.push(...batch.ids);
        if (batch.next === null) break;
        after = batch.next;
      }
      expect(seen).toEqual(failed.map((d) => d.id));
    });

    test("counts in chunks: each bounded by `limit`, together the whole window", async () => {
      const t = await tenant(ctx.store);
      for (let i = 0; i < 5; i++) await failedAt(ctx.store, t, T0 + i, 1);
      const first = await ctx.store.deliveries.countRecoverable(t.account.id, t.webhook.id, ALL, {
        limit: 3,
      });
      expect(first.count).toBe(3);
      expect(first.next).not.toBeNull();
      expect(await countAll(ctx.store, t, ALL, 2)).toBe(5);
      expect(await countAll(ctx.store, t, ALL, 5)).toBe(5);
      expect(await countAll(ctx.store, t, ALL, 100)).toBe(5);
    });

    test("refused, writing nothing, when the webhook is disabled, deleted or foreign", async () => {
      const t = await tenant(ctx.store);
      const other = await tenant(ctx.store);
      const failed = await failedAt(ctx.store, t, T0);
      const batch = { limit: 10, due: T0 };
      expect(await ctx.store.deliveries.recover(other.account.id, t.webhook.id, ALL, batch)).toEqual({
        kind: "refused",
        reason: "deleted",
      });
      expect(
        await ctx.store.deliveries.countRecoverable(other.account.id, t.webhook.id, ALL, { limit: 10 }),
      ).toEqual({ count: 0, next: null });
      await ctx.store.webhooks.update({ ...t.webhook, enabled: false });
      expect(await ctx.store.deliveries.recover(t.account.id, t.webhook.id, ALL, batch)).toEqual({
        kind: "refused",
        reason: "disabled",
      });
      await ctx.store.webhooks.delete(t.account.id, t.webhook.id);
      expect(await ctx.store.deliveries.recover(t.account.id, t.webhook.id, ALL, batch)).toEqual({
        kind: "refused",
        reason: "deleted",
      });
      expect(await ctx.store.deliveries.get(t.account.id, failed.id)).toEqual(failed);
    });

    test("a malformed position is an InvalidCursorError", async () => {
      const t = await tenant(ctx.store);
      for (const after of ["", "x", "12:", "abc:dlv_1", "1:evt_1"]) {
        await expect(
          ctx.store.deliveries.countRecoverable(t.account.id, t.webhook.id, ALL, { after, limit: 10 }),
        ).rejects.toBeInstanceOf(InvalidCursorError);
        await expect(
          ctx.store.deliveries.recover(t.account.id, t.webhook.id, ALL, { after, limit: 10, due: T0 }),
        ).rejects.toBeInstanceOf(InvalidCursorError);
      }
    });
  });

  describe(`${name} store: meta entries and delete (recovery jobs)`, () => {
    const ctx = freshStorePerTest(open);

    test("entries lists the keys with a prefix in key order; delete removes one", async () => {
      const meta = ctx.store.meta;
      await meta.set("recovery_job:b", "2");
      await meta.set("recovery_job:a", "1");
      await meta.set("recovery_jobs", "not under the prefix");
      await meta.set("recovery_job", "the prefix itself is no entry");
      await meta.set("recovery_job;", "after the prefix's range");
      await meta.set("recovery_job:%_", "wildcards are characters");
      expect(await meta.entries("recovery_job:")).toEqual([
        ["recovery_job:%_", "wildcards are characters"],
        ["recovery_job:a", "1"],
        ["recovery_job:b", "2"],
      ]);
      await meta.delete("recovery_job:a");
      await meta.delete("recovery_job:missing");
      expect(await meta.get("recovery_job:a")).toBeUndefined();
      expect((await meta.entries("recovery_job:")).map(([key]) => key)).toEqual([
        "recovery_job:%_",
        "recovery_job:b",
      ]);
      expect(await meta.entries("nothing:")).toEqual([]);
    });
  });

  describe(`${name} store: what recovery reads stays exact`, () => {
    const ctx = freshStorePerTest(open);

    test("a manual retry takes a delivery out; its failure puts it back", async () => {
      const t = await tenant(ctx.store);
      const failed = await failedAt(ctx.store, t, T0);
      expect(await countAll(ctx.store, t)).toBe(1);
      const retried = await ctx.store.deliveries.reschedule(t.account.id, failed.id, T0);
      expect(retried?.status).toBe("pending");
      expect(await countAll(ctx.store, t)).toBe(0);
      await recorded(ctx.store, attempt(retried as DeliveryRecord, { started_at: T0 + 9 }), {
        status: "failed",
      });
      expect(await countAll(ctx.store, t)).toBe(1);
    });

    test("cancellation by a disable puts pending deliveries in; recovery takes them out", async () => {
      const t = await tenant(ctx.store);
      await publishAt(ctx.store, t, T0);
      await publishAt(ctx.store, t, T0 + 1);
      await ctx.store.webhooks.update({ ...t.webhook, enabled: false });
      await ctx.store.webhooks.update({ ...t.webhook, enabled: true });
      expect(await countAll(ctx.store, t)).toBe(2);
      const recovered = await ctx.store.deliveries.recover(t.account.id, t.webhook.id, ALL, {
        limit: 10,
        due: T0,
      });
      expect(recovered.kind).toBe("recovered");
      expect(await countAll(ctx.store, t)).toBe(0);
      expect(await dueEntries(ctx.store)).toHaveLength(2);
    });

    test("a publish to a webhook disabled meanwhile stores a cancelled delivery, which counts", async () => {
      const t = await tenant(ctx.store);
      await ctx.store.webhooks.update({ ...t.webhook, enabled: false });
      const d = await publishAt(ctx.store, t, T0);
      expect(d.status).toBe("cancelled");
      await ctx.store.webhooks.update({ ...t.webhook, enabled: true });
      expect(await countAll(ctx.store, t)).toBe(1);
    });

    test("retention removes purged deliveries from what recovery counts", async () => {
      const t = await tenant(ctx.store);
      await failedAt(ctx.store, t, T0);
      await failedAt(ctx.store, t, T0 + 1);
      const kept = await failedAt(ctx.store, t, T0 + 2 * HOUR);
      expect(await countAll(ctx.store, t)).toBe(3);
      for (let i = 0; i < 10; i++) await ctx.store.purge(T0 + HOUR, 1000);
      expect(await countAll(ctx.store, t)).toBe(1);
      const batch = await ctx.store.deliveries.recover(t.account.id, t.webhook.id, ALL, {
        limit: 10,
        due: T0,
      });
      if (batch.kind !== "recovered") throw new Error("refused");
      expect(batch.deliveries.map((d) => d.id)).toEqual([kept.id]);
    });

    test("recovered deliveries survive a restart, pending and due", async () => {
      const t = await tenant(ctx.store);
      const failed = await failedAt(ctx.store, t, T0);
      await ctx.store.deliveries.recover(t.account.id, t.webhook.id, ALL, { limit: 10, due: T0 + 5 });
      await ctx.store.flushed();
      const store = await ctx.reopen();
      if (!store) return; // an implementation that cannot reopen its data in place
      expect((await store.deliveries.get(t.account.id, failed.id))?.retry_base).toBe(2);
      expect((await dueEntries(store)).map((e) => e.delivery_id)).toEqual([failed.id]);
    });
  });
}
