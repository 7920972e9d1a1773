// Durability across restarts: pending deliveries live in LMDB, not in memory; leases do not
// survive a restart (everything pending is leasable again).

import { describe, expect, test } from "bun:test";
import { cleanupAfterEach } from "../support/cleanups";
import { hang, type Receiver, startReceiver } from "../support/receiver";
import {
  allSucceeded,
  createAccount,
  createWebhook,
  engineFor,
  openStore,
  publish,
  publishLeased,
  statusOf,
  tempDir,
  testConfig,
  waitUntil,
} from "./fixtures";

const cleanups = cleanupAfterEach();

function receiver(...args: Parameters<typeof startReceiver>): Receiver {
  const r = startReceiver(...args);
  cleanups.push(() => r.stop());
  return r;
}

describe("restart", () => {
  test("pending deliveries survive a restart; those that fell due while down go at once", async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const r = receiver();
    const config = testConfig({ dataDir: dir.path });

    let store = await openStore(dir.path);
    const account = await createAccount(store);
    const webhook = await createWebhook(store, account, r.url);
    const now = Date.now();
    const overdue: string[] = [];
    const later: string[] = [];
    for (let i = 0; i < 5; i++) {
      overdue.push(
        (await publish(store, account, [webhook], { due: now - 60_000 })).deliveries[0]?.id as string,
      );
    }
    // Far enough ahead that closing and reopening the store cannot reach it, even on a loaded machine.
    const laterDue = now + 2_000;
    for (let i = 0; i < 3; i++) {
      later.push((await publish(store, account, [webhook], { due: laterDue })).deliveries[0]?.id as string);
    }
    await store.flushed();
    await store.close();
    expect(r.requests).toHaveLength(0);

    store = await openStore(dir.path);
    cleanups.push(() => store.close());
    expect(store.figures().pendingDeliveries).toBe(8);
    const { engine } = engineFor(store, config);
    cleanups.push(() => engine.stop(0));
    const started = Date.now();
    engine.start();
    await waitUntil("overdue deliveries", () => allSucceeded(store, overdue));
    expect(Date.now()).toBeLessThan(laterDue);
    expect(Date.now() - started).toBeLessThan(1_500);
    await waitUntil("later deliveries", () => allSucceeded(store, later));
    const laterIds = new Set(later);
    for (const req of r.requests) {
      if (laterIds.has(req.headers.get("x-inbox-delivery-id") ?? ""))
        expect(req.at).toBeGreaterThanOrEqual(laterDue - 15);
    }
    expect(r.requests).toHaveLength(8);
  });

  test("an attempt cut short by shutdown is made again after restart (at least once)", async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    let answer: "hang" | "ok" = "hang";
    const r = receiver(() => (answer === "hang" ? hang() : new Response("ok")));
    const config = testConfig({ dataDir: dir.path, timeoutMs: 10_000 });

    let store = await openStore(dir.path);
    const account = await createAccount(store);
    const webhook = await createWebhook(store, account, r.url);
    let { engine } = engineFor(store, config);
    engine.start();
    const { deliveries } = await publishLeased(store, engine, account, [webhook]);
    const id = deliveries[0]?.id as string;
    await r.waitFor(1);
    expect(engine.inFlight()).toBe(1);
    const stopStarted = Date.now();
    await engine.stop(150);
    expect(Date.now() - stopStarted).toBeLessThan(2_000);
    expect(engine.inFlight()).toBe(0);
    expect(await store.deliveries.getById(id)).toMatchObject({ status: "pending", attempts: 0 });
    expect(await store.attempts.listForDelivery(id)).toHaveLength(0);
    await store.close();

    answer = "ok";
    store = await openStore(dir.path);
    cleanups.push(() => store.close());
    ({ engine } = engineFor(store, config));
    cleanups.push(() => engine.stop(0));
    engine.start();
    await waitUntil("redelivery", async () => (await statusOf(store, id)) === "succeeded");
    expect(r.requests).toHaveLength(2);
    expect(r.requests[1]?.headers.get("x-inbox-event-id")).toBe(
      r.requests[0]?.headers.get("x-inbox-event-id") ?? "",
    );
  });

  test("stop waits for attempts in flight that finish within the grace period", async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const r = receiver(async () => {
      await Bun.sleep(200);
      return new Response("ok");
    });
    const store = await openStore(dir.path);
    cleanups.push(() => store.close());
    const account = await createAccount(store);
    const webhook = await createWebhook(store, account, r.url);
    const { engine } = engineFor(store, testConfig({ dataDir: dir.path }));
    engine.start();
    const { deliveries } = await publishLeased(store, engine, account, [webhook]);
    const id = deliveries[0]?.id as string;
    await r.waitFor(1);
    await engine.stop(5_000);
    expect(await statusOf(store, id)).toBe("succeeded");
  });
});
