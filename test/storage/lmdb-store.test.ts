// The LMDB store against the conformance suite, plus what only LMDB has: the data directory lock,
// schema versions, group-commit isolation and the bounded scans.

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXAMINED_MAX } from "../../src/storage/lmdb/attempts-repository";
import { openLmdbStore } from "../../src/storage/lmdb/lmdb-store";
import { latencyBin, STATS_BUCKET_MS } from "../../src/storage/stats-rollup";
import type { Store } from "../../src/storage/store";
import { silentLogger } from "../support/silent-logger";
import { runStoreConformance } from "./conformance";
import { attempt, event, FAR, item, leaseOf, publishOne, refOf, T0, tenant, webhook } from "./fixtures";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "inbox-store-"));
}

runStoreConformance("lmdb", async (clock) => {
  const dataDir = tempDir();
  let store = await openLmdbStore({ dataDir, logger: silentLogger, now: clock.now });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
    reopen: async () => {
      await store.close();
      store = await openLmdbStore({ dataDir, logger: silentLogger, now: clock.now });
      return store;
    },
  };
});

describe("lmdb store: beyond the contract", () => {
  let dataDir = "";
  let store: Store;
  beforeEach(async () => {
    dataDir = tempDir();
    store = await openLmdbStore({ dataDir, logger: silentLogger });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("attempts recorded in one write with one refused roll up each once, the refused one nowhere", async () => {
    const t = await tenant(store);
    const ds = [];
    for (let i = 0; i < 3; i++) ds.push((await publishOne(store, t)).delivery);
    const [a, b, c] = ds;
    if (!a || !b || !c) throw new Error("three deliveries expected");
    const leases = [await leaseOf(store, a.id), await leaseOf(store, b.id), await leaseOf(store, c.id)];
    const [la, lb, lc] = leases;
    if (!la || !lb || !lc) throw new Error("three leases expected");
    // One turn, so one shared write; the middle job throws (an attempt of another delivery), the
    // write rolls back with the health record staged so far, and the other two are written alone.
    const outcomes = await Promise.allSettled([
      store.deliveries.recordAttempt(
        attempt(a, { outcome: "failed", started_at: T0, duration_ms: 40 }),
        { status: "failed" },
        refOf(la),
      ),
      store.deliveries.recordAttempt(
        attempt(c, { outcome: "failed", started_at: T0 + 1, duration_ms: 40 }),
        { status: "failed" },
        refOf(lb),
      ),
      store.deliveries.recordAttempt(
        attempt(c, { outcome: "succeeded", status_code: 200, started_at: T0 + 2, duration_ms: 40 }),
        { status: "succeeded" },
        refOf(lc),
      ),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(await store.stats.health(t.webhook.id)).toEqual({
      failing_since: null,
      last_success_at: T0 + 2,
      last_failure_at: T0,
    });
    const hour = Math.floor(T0 / STATS_BUCKET_MS) * STATS_BUCKET_MS;
    const [bucket, ...more] = await store.stats.buckets(t.webhook.id, hour, hour + STATS_BUCKET_MS);
    expect(more).toEqual([]);
    expect(bucket).toMatchObject({ start: hour, attempts: 2, succeeded: 1, failed: 1 });
    expect(bucket?.latency[latencyBin(40)]).toBe(2);
  });

  test("cached reads (webhooks, subscribers, API keys, meta) never outlive the write that changes them", async () => {
    const t = await tenant(store);
    const second = await tenant(store);
    // Read everything once so that it is cached.
    expect((await store.webhooks.getById(t.webhook.id))?.url).toBe(t.webhook.url);
    expect(await store.webhooks.subscribers(t.account.id, "message.read")).toHaveLength(1);
    expect((await store.apiKeys.findActiveByHash(t.key.hash))?.id).toBe(t.key.id);
    expect((await store.apiKeys.findActiveByHash(second.key.hash))?.id).toBe(second.key.id);
    expect(await store.meta.get("setting")).toBeUndefined();

    const updated = { ...t.webhook, url: "https://example.com/moved", events: ["message.failed"] };
    const results = await Promise.all([
      store.webhooks.update(updated),
      store.apiKeys.revoke(t.account.id, t.key.id, T0 + 1),
      store.meta.set("setting", "on"),
    ]);
    expect(results).toEqual([true, true, undefined]);
    expect((await store.webhooks.getById(t.webhook.id))?.url).toBe("https://example.com/moved");
    expect((await store.webhooks.get(t.account.id, t.webhook.id))?.events).toEqual(["message.failed"]);
    expect(await store.webhooks.subscribers(t.account.id, "message.read")).toHaveLength(0);
    expect(await store.webhooks.subscribers(t.account.id, "message.failed")).toHaveLength(1);
    expect(await store.apiKeys.findActiveByHash(t.key.hash)).toBeUndefined();
    expect(await store.meta.get("setting")).toBe("on");

    // Deleting an account drops its webhooks and keys from every cached view.
    expect(await store.webhooks.getById(second.webhook.id)).toBeDefined();
    expect(await store.accounts.delete(second.account.id)).toBe(true);
    expect(await store.webhooks.getById(second.webhook.id)).toBeUndefined();
    expect(await store.webhooks.subscribers(second.account.id, "message.read")).toEqual([]);
    expect(await store.apiKeys.findActiveByHash(second.key.hash)).toBeUndefined();

    // What the caches hand out cannot be changed by whoever receives it.
    const cached = (await store.webhooks.getById(t.webhook.id)) as { url: string; events: string[] };
    expect(() => {
      cached.url = "https://elsewhere.example";
    }).toThrow();
    expect(() => cached.events.push("*")).toThrow();
  });

  test("within one commit, a publish sees a webhook change queued before it, whatever was cached", async () => {
    const t = await tenant(store);
    // Cached as enabled before the batch.
    expect((await store.webhooks.getById(t.webhook.id))?.enabled).toBe(true);
    const before = event(t.account.id);
    const after = event(t.account.id);
    // Issued in one turn: they share one transaction, in this order.
    const [first, , second] = await Promise.all([
      store.events.publish([item(before, [t.webhook.id])]),
      store.webhooks.update({ ...t.webhook, enabled: false, updated_at: T0 + 5 }),
      store.events.publish([item(after, [t.webhook.id])]),
    ]);
    // The first was stored pending and then cancelled by the change; the second was stored cancelled.
    expect(first[0]?.deliveries[0]?.status).toBe("pending");
    expect((await store.deliveries.get(t.account.id, first[0]?.deliveries[0]?.id as string))?.status).toBe(
      "cancelled",
    );
    expect(second[0]?.deliveries[0]?.status).toBe("cancelled");
    expect(store.figures().pendingDeliveries).toBe(0);
    // Two deletes of one webhook in one commit: only the first finds it.
    const other = webhook(t.account.id);
    await store.webhooks.create(other);
    expect(await store.webhooks.getById(other.id)).toBeDefined();
    const deleted = await Promise.all([
      store.webhooks.delete(t.account.id, other.id),
      store.webhooks.delete(t.account.id, other.id),
    ]);
    expect(deleted).toEqual([true, false]);
  });

  test("a publish that cannot be stored fails alone and leaves nothing behind", async () => {
    const t = await tenant(store);
    const good = event(t.account.id);
    const first = event(t.account.id);
    // LMDB keys are at most ~2 KB: an id this long cannot be a key, so this batch must fail whole.
    const huge = event(t.account.id, { id: "é".repeat(1500) });
    const [ok, failed] = await Promise.allSettled([
      store.events.publish([item(good, [t.webhook.id])]),
      store.events.publish([item(first, [t.webhook.id]), item(huge, [t.webhook.id])]),
    ]);
    expect(ok.status).toBe("fulfilled");
    expect(failed.status).toBe("rejected");
    expect(await store.events.get(t.account.id, good.id)).toEqual(good);
    expect(await store.events.get(t.account.id, first.id)).toBeUndefined();
    expect(store.figures().pendingDeliveries).toBe(1);
  });

  test("a publish that fails in a shared commit leases nothing; the others' leases hold", async () => {
    const t = await tenant(store);
    const good = event(t.account.id);
    const huge = event(t.account.id, { id: "é".repeat(1500) });
    const lease = { owner: "replica-a", leaseMs: 60_000, max: 10 };
    const [ok, failed] = await Promise.allSettled([
      store.events.publish([item(good, [t.webhook.id])], { lease }),
      store.events.publish([item(event(t.account.id), [t.webhook.id]), item(huge, [t.webhook.id])], {
        lease,
      }),
    ]);
    if (ok.status !== "fulfilled") throw new Error("the good publish failed");
    expect(failed.status).toBe("rejected");
    const [held] = ok.value[0]?.leases ?? [];
    if (!held) throw new Error("the good publish leased nothing");
    expect(held.delivery.event_id).toBe(good.id);
    // Replayed alone after the rollback, the good publish's lease is the one that counts.
    expect(await store.work.lease({ owner: "replica-b", until: FAR, limit: 10, leaseMs: 1_000 })).toEqual([]);
    const result = await store.deliveries.recordAttempt(
      attempt(held.delivery),
      { status: "succeeded" },
      refOf(held),
    );
    expect(result.kind).toBe("recorded");
  });

  test("no lease survives a restart: what was leased is leasable at once, its old token is fenced", async () => {
    const t = await tenant(store);
    const { delivery } = await publishOne(store, t);
    const before = await leaseOf(store, delivery.id);
    await store.close();
    store = await openLmdbStore({ dataDir, logger: silentLogger });
    const after = await leaseOf(store, delivery.id, "replica-b");
    expect(after.token).not.toBe(before.token);
    const late = await store.deliveries.recordAttempt(
      attempt(delivery),
      { status: "succeeded" },
      refOf(before),
    );
    expect(late).toEqual({ kind: "fenced" });
  });

  test("deliveries to a webhook deleted or disabled before the publish commits are stored cancelled", async () => {
    const t = await tenant(store);
    const off = webhook(t.account.id);
    await store.webhooks.create(off);
    await store.webhooks.update({ ...off, enabled: false });
    const gone = webhook(t.account.id);
    await store.webhooks.create(gone);
    await store.webhooks.delete(t.account.id, gone.id);
    const ev = event(t.account.id);
    const [result] = await store.events.publish([item(ev, [t.webhook.id, off.id, gone.id])]);
    expect(result?.deliveries.map((d) => d.status)).toEqual(["pending", "cancelled", "cancelled"]);
    expect(result?.deliveries.map((d) => d.next_attempt_at === null)).toEqual([false, true, true]);
    expect(store.figures().pendingDeliveries).toBe(1);
  });

  test("reschedule leaves a delivery alone when its webhook can no longer receive", async () => {
    const t = await tenant(store);
    const { delivery } = await publishOne(store, t);
    await store.webhooks.update({ ...t.webhook, enabled: false });
    const result = await store.deliveries.reschedule(t.account.id, delivery.id, T0);
    expect(result?.status).toBe("cancelled");
    expect(store.figures().pendingDeliveries).toBe(0);
  });

  test("a filtered log page examines at most EXAMINED_MAX entries and still offers a cursor", async () => {
    const t = await tenant(store);
    const { delivery } = await publishOne(store, t);
    const misses = Array.from({ length: EXAMINED_MAX + 5 }, (_, i) =>
      attempt(delivery, { outcome: "succeeded", started_at: T0 + 10_000 + i }),
    );
    const hits = [1, 2, 3].map((i) => attempt(delivery, { outcome: "failed", started_at: T0 + i }));
    await Promise.all([...misses, ...hits].map((a) => store.attempts.add(a)));
    const first = await store.attempts.listForWebhook(
      t.account.id,
      t.webhook.id,
      { outcome: "failed" },
      { limit: 10 },
    );
    expect(first.data).toEqual([]);
    expect(first.next_cursor).not.toBeNull();
    const second = await store.attempts.listForWebhook(
      t.account.id,
      t.webhook.id,
      { outcome: "failed" },
      { limit: 10, cursor: first.next_cursor ?? "" },
    );
    expect(second.data.map((a) => a.started_at)).toEqual([T0 + 3, T0 + 2, T0 + 1]);
    expect(second.next_cursor).toBeNull();
  });

  test("cancelling a backlog larger than one scan chunk cancels all of it", async () => {
    const t = await tenant(store);
    const total = 25_000;
    for (let i = 0; i < total; i += 1000) {
      await store.events.publish(
        Array.from({ length: 1000 }, (_, j) => item(event(t.account.id), [t.webhook.id], T0 + i + j)),
      );
    }
    expect(store.figures().pendingDeliveries).toBe(total);
    expect(await store.webhooks.delete(t.account.id, t.webhook.id)).toBe(true);
    expect(store.figures().pendingDeliveries).toBe(0);
    expect(store.figures().pendingDeliveries).toBe(0);
    const sample = (await store.events.list(t.account.id, { limit: 50 })).data;
    for (const ev of sample) {
      expect((await store.deliveries.listForEvent(t.account.id, ev.id))[0]?.status).toBe("cancelled");
    }
  });
});
