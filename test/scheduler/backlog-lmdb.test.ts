// The scheduler and engine over a real LMDB backlog: far-future entries stay out of memory, and an
// overdue backlog larger than memory allows drains exactly once per delivery.

import { describe, expect, test } from "bun:test";
import { newId } from "../../src/domain/ids";
import { DueScheduler } from "../../src/scheduler/due-scheduler";
import type { DeliveryRecord, EventRecord } from "../../src/storage/records";
import type { PublishItem, Store } from "../../src/storage/store";
import { engineFor, testConfig, waitUntil } from "../delivery/fixtures";
import { createAccount, createWebhook, tempStore } from "../delivery/store-fixtures";
import { cleanupAfterEach } from "../support/cleanups";
import { type Receiver, startReceiver } from "../support/receiver";
import { silentLogger } from "../support/silent-logger";

const cleanups = cleanupAfterEach();

/** Publishes `count` single-delivery events to `webhookId`, the i-th due at `dueOf(i)`. */
async function bulkPublish(
  store: Store,
  accountId: string,
  webhookId: string,
  count: number,
  dueOf: (i: number) => number,
): Promise<string[]> {
  const ids: string[] = [];
  const now = Date.now();
  for (let start = 0; start < count; start += 1_000) {
    const items: PublishItem[] = [];
    for (let i = start; i < Math.min(count, start + 1_000); i++) {
      const event: EventRecord = {
        id: newId("evt"),
        account_id: accountId,
        type: "message.read",
        created_at: now,
        data: { n: i },
      };
      const delivery: DeliveryRecord = {
        id: newId("dlv"),
        account_id: accountId,
        event_id: event.id,
        event_type: event.type,
        webhook_id: webhookId,
        status: "pending",
        attempts: 0,
        next_attempt_at: dueOf(i),
        created_at: now,
        updated_at: now,
        last_attempt_at: null,
        last_status_code: null,
        last_error: null,
      };
      items.push({ event, deliveries: [delivery] });
      ids.push(delivery.id);
    }
    await store.events.publish(items);
  }
  return ids;
}

async function setup() {
  const { dir, store } = await tempStore(cleanups);
  const account = await createAccount(store);
  return { dir, store, account };
}

describe("scheduler over a real LMDB backlog", () => {
  test("far-future entries never enter memory; near ones fire on time", async () => {
    const { store, account } = await setup();
    const webhook = await createWebhook(store, account, "http://127.0.0.1:9/");
    const now = Date.now();
    await bulkPublish(store, account, webhook.id, 30_000, (i) => now + 3_600_000 + i * 1_000);
    const near = await bulkPublish(store, account, webhook.id, 20, (i) => now + 200 + i);
    const fired: string[] = [];
    let scheduledMax = 0;
    const scheduler = new DueScheduler({
      work: store.work,
      owner: "replica-test",
      leaseMs: 60_000,
      logger: silentLogger,
      onDue: (held) => fired.push(held.lease.delivery.id),
      horizonMs: 60_000,
      batch: 500,
      refillMs: 20,
    });
    cleanups.push(() => scheduler.stop());
    scheduler.start();
    await waitUntil("near entries", () => {
      scheduledMax = Math.max(scheduledMax, scheduler.size);
      return fired.length === 20;
    });
    expect(fired.sort()).toEqual([...near].sort());
    expect(scheduledMax).toBeLessThanOrEqual(20);
    await Bun.sleep(100);
    expect(scheduler.size).toBe(0);
    expect(fired).toHaveLength(20);
  }, 30_000);

  test("an overdue backlog larger than the memory bound drains, each delivery exactly once", async () => {
    const { dir, store, account } = await setup();
    const r: Receiver = startReceiver();
    cleanups.push(() => r.stop());
    const webhook = await createWebhook(store, account, r.url);
    const now = Date.now();
    const total = 3_000;
    const ids = await bulkPublish(store, account, webhook.id, total, (i) => now - 3_600_000 + i);
    const { engine, metrics } = engineFor(
      store,
      testConfig({ dataDir: dir.path, concurrency: 32, webhookConcurrency: 16 }),
      { scheduler: { heldMax: 200, batch: 100, refillMs: 20, rescanMs: 200 }, queuePerWebhook: 50 },
    );
    cleanups.push(() => engine.stop(0));
    engine.start();
    await waitUntil("backlog drained", () => store.figures().pendingDeliveries === 0, 30_000);
    const seen = r.requests.map((q) => q.headers.get("x-inbox-delivery-id"));
    expect(seen).toHaveLength(total);
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(metrics.deliveriesSucceeded.get()).toBe(total);
    expect(engine.leasesHeld()).toBe(0);
  }, 30_000);

  test("a burst to one webhook larger than its lane drains without waiting for periodic re-reads", async () => {
    const { dir, store, account } = await setup();
    const r: Receiver = startReceiver();
    cleanups.push(() => r.stop());
    const webhook = await createWebhook(store, account, r.url);
    const total = 600;
    const now = Date.now();
    await bulkPublish(store, account, webhook.id, total, (i) => now - 1_000 + i);
    const { engine } = engineFor(
      store,
      testConfig({ dataDir: dir.path, concurrency: 16, webhookConcurrency: 4 }),
      {
        // Periodic re-reads are an hour apart: only lane-drain re-reads can bring refused entries back.
        scheduler: { heldMax: 1_000, batch: 200, refillMs: 20, rescanMs: 3_600_000 },
        queuePerWebhook: 20,
      },
    );
    cleanups.push(() => engine.stop(0));
    engine.start();
    await waitUntil("burst drained", () => store.figures().pendingDeliveries === 0, 15_000);
    expect(new Set(r.requests.map((q) => q.headers.get("x-inbox-delivery-id"))).size).toBe(total);
    expect(r.requests).toHaveLength(total);
  }, 30_000);
});
