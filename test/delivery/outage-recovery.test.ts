// Recovery after a receiver outage longer than the retry schedule (issue 10 item 3), through the real
// engine and a real receiver, on both stores. The schedule is shortened (0, 50 ms, 100 ms stands for
// immediate, 30 s ... 2 h: a three-hour outage outlasts it just as a 300 ms one outlasts this).
// Also: a job saved but never run (the process died right after answering 202) runs after a
// restart, and a webhook disabled before a job runs stops it.

import { describe, expect, test } from "bun:test";
import type { DeliveryEngine } from "../../src/delivery/delivery-engine";
import { RECOVERY_JOB_PREFIX } from "../../src/domain/recovery-jobs";
import { RecoveryRunner, resumeRecoveries } from "../../src/domain/recovery-runner";
import { RecoveryService } from "../../src/domain/recovery-service";
import type { Store } from "../../src/storage/store";
import { cleanupAfterEach } from "../support/cleanups";
import { type Receiver, startReceiver } from "../support/receiver";
import { silentLogger } from "../support/silent-logger";
import {
  createAccount,
  createWebhook,
  engineFor,
  openStore,
  publishLeased,
  tempDir,
  testConfig,
  waitUntil,
} from "./fixtures";
import { STORE_KINDS, storeKinds } from "./store-kinds";

const cleanups = cleanupAfterEach();
const stores = storeKinds();
const SCHEDULE = [0, 50, 100];
const EVENTS = 20;

/** A receiver that answers 503 while `down.value`, 200 after, counting 2xx answers per delivery. */
function outageReceiver(down: { value: boolean }): { receiver: Receiver; delivered: Map<string, number[]> } {
  const delivered = new Map<string, number[]>();
  const receiver = startReceiver((req) => {
    if (down.value) return new Response("down for maintenance", { status: 503 });
    const id = req.headers.get("x-inbox-delivery-id") ?? "";
    delivered.set(id, [...(delivered.get(id) ?? []), Number(req.headers.get("x-inbox-attempt"))]);
    return new Response("ok");
  });
  cleanups.push(() => receiver.stop());
  return { receiver, delivered };
}

async function statuses(store: Store, ids: string[]): Promise<string[]> {
  return Promise.all(ids.map(async (id) => (await store.deliveries.getById(id))?.status ?? "missing"));
}

/** Publishes EVENTS events to the webhook while the receiver is down; waits until all failed. */
async function outage(store: Store, engine: DeliveryEngine, accountId: string, url: string) {
  const webhook = await createWebhook(store, accountId, url);
  const ids: string[] = [];
  for (let i = 0; i < EVENTS; i++) {
    ids.push((await publishLeased(store, engine, accountId, [webhook])).deliveries[0]?.id as string);
  }
  await waitUntil(
    "every delivery failed",
    async () => (await statuses(store, ids)).every((s) => s === "failed"),
    10_000,
  );
  return { webhook, ids };
}

function serviceOver(store: Store, delivery: RecoveryRunner | undefined, engine: DeliveryEngine) {
  const runner =
    delivery ?? new RecoveryRunner({ store, delivery: engine, logger: silentLogger, now: Date.now });
  return new RecoveryService({ store, runner, now: Date.now });
}

describe.each(STORE_KINDS)("%s store: recovery after an outage", (kind) => {
  test("one recover call delivers every delivery once; attempt numbers continue; the log keeps all", async () => {
    const { store, dir } = await stores.openTemp(kind, cleanups);
    const down = { value: true };
    const { receiver, delivered } = outageReceiver(down);
    const { engine } = engineFor(store, testConfig({ dataDir: dir.path, retrySchedule: SCHEDULE }));
    cleanups.push(() => engine.stop(0));
    engine.start();
    const accountId = await createAccount(store);
    const since = Date.now() - 1_000;
    const { webhook, ids } = await outage(store, engine, accountId, receiver.url);
    expect(receiver.requests).toHaveLength(EVENTS * SCHEDULE.length);

    down.value = false;
    const accepted = await serviceOver(store, undefined, engine).recover(accountId, webhook.id, { since });
    expect(accepted.deliveries).toBe(EVENTS);
    await waitUntil(
      "every delivery succeeded",
      async () => (await statuses(store, ids)).every((s) => s === "succeeded"),
      10_000,
    );
    // Once each, as attempt 4: the numbering continued after the three failed attempts.
    expect([...delivered.keys()].sort()).toEqual([...ids].sort());
    for (const attempts of delivered.values()) expect(attempts).toEqual([SCHEDULE.length + 1]);
    for (const id of ids) {
      const log = await store.attempts.listForDelivery(id);
      expect(log.map((a) => [a.attempt, a.outcome])).toEqual([
        [1, "failed"],
        [2, "failed"],
        [3, "failed"],
        [4, "succeeded"],
      ]);
      expect((await store.deliveries.getById(id))?.retry_base).toBe(SCHEDULE.length);
    }
    await waitUntil(
      "the job is gone",
      async () => (await store.meta.entries(RECOVERY_JOB_PREFIX)).length === 0,
    );
  }, 30_000);

  test("a receiver still down gets the whole schedule again, then the deliveries fail again", async () => {
    const { store, dir } = await stores.openTemp(kind, cleanups);
    const { receiver } = outageReceiver({ value: true });
    const { engine } = engineFor(store, testConfig({ dataDir: dir.path, retrySchedule: SCHEDULE }));
    cleanups.push(() => engine.stop(0));
    engine.start();
    const accountId = await createAccount(store);
    const since = Date.now() - 1_000;
    const { webhook, ids } = await outage(store, engine, accountId, receiver.url);
    await serviceOver(store, undefined, engine).recover(accountId, webhook.id, { since });
    await waitUntil("six attempts each", () => receiver.requests.length >= EVENTS * 6, 10_000);
    await waitUntil("failed again", async () => (await statuses(store, ids)).every((s) => s === "failed"));
    for (const id of ids) expect((await store.deliveries.getById(id))?.attempts).toBe(6);
  }, 30_000);
});

describe("lmdb store: recovery jobs across a restart", () => {
  test("a job saved but never run (the process died after the 202) runs after a restart", async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const config = testConfig({ dataDir: dir.path, retrySchedule: SCHEDULE });
    const down = { value: true };
    const { receiver, delivered } = outageReceiver(down);
    let store = await openStore(dir.path);
    const first = engineFor(store, config).engine;
    first.start();
    const accountId = await createAccount(store);
    const since = Date.now() - 1_000;
    const { webhook, ids } = await outage(store, first, accountId, receiver.url);
    // A runner that never runs: the job is saved and the answer given, then the process dies.
    const dead = { start: () => Promise.resolve() } as unknown as RecoveryRunner;
    const accepted = await serviceOver(store, dead, first).recover(accountId, webhook.id, { since });
    expect(accepted.deliveries).toBe(EVENTS);
    await first.stop(0);
    await store.close();

    down.value = false;
    store = await openStore(dir.path);
    const reopened = store;
    cleanups.push(() => reopened.close());
    expect(await store.meta.entries(RECOVERY_JOB_PREFIX)).toHaveLength(1);
    expect(await statuses(store, ids)).toEqual(ids.map(() => "failed"));
    const { engine } = engineFor(store, config);
    cleanups.push(() => engine.stop(0));
    engine.start();
    resumeRecoveries({ store, delivery: engine, logger: silentLogger, now: Date.now });
    await waitUntil(
      "every delivery succeeded",
      async () => (await statuses(store, ids)).every((s) => s === "succeeded"),
      10_000,
    );
    expect([...delivered.keys()].sort()).toEqual([...ids].sort());
    await waitUntil(
      "the job is gone",
      async () => (await store.meta.entries(RECOVERY_JOB_PREFIX)).length === 0,
    );
  }, 30_000);

  test("a webhook disabled before its job runs stops the job: nothing is recovered", async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const config = testConfig({ dataDir: dir.path, retrySchedule: SCHEDULE });
    const { receiver } = outageReceiver({ value: true });
    const store = await openStore(dir.path);
    cleanups.push(() => store.close());
    const { engine } = engineFor(store, config);
    cleanups.push(() => engine.stop(0));
    engine.start();
    const accountId = await createAccount(store);
    const since = Date.now() - 1_000;
    const { webhook, ids } = await outage(store, engine, accountId, receiver.url);
    const dead = { start: () => Promise.resolve() } as unknown as RecoveryRunner;
    await serviceOver(store, dead, engine).recover(accountId, webhook.id, { since });
    await store.webhooks.update({ ...webhook, enabled: false });
    resumeRecoveries({ store, delivery: engine, logger: silentLogger, now: Date.now });
    await waitUntil(
      "the job is gone",
      async () => (await store.meta.entries(RECOVERY_JOB_PREFIX)).length === 0,
    );
    expect(await statuses(store, ids)).toEqual(ids.map(() => "failed"));
  }, 30_000);
});
