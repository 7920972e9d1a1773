// The engine on leases, on both stores (LMDB in a temp dir, PostgreSQL in a database of this file's
// own), with real receivers: an outcome whose lease was taken meanwhile is fenced out (counted,
// nothing written, not retried here); a lease lost while waiting in a lane stops its attempt unsent;
// shutdown gives leases back so another replica takes them at once; a retry relet with its outcome
// fires on time without a poll. "Another replica" is a second engine (or a plain lease call) under
// another owner on the same store; a movable clock, shared by the store and the engine, makes leases
// run out.

import { describe, expect, test } from "bun:test";
import { cleanupAfterEach } from "../support/cleanups";
import { hang, type Receiver, startReceiver } from "../support/receiver";
import {
  allSucceeded,
  createAccount,
  createWebhook,
  engineFor,
  publish,
  publishLeased,
  statusOf,
  testConfig,
  waitUntil,
} from "./fixtures";
import { STORE_KINDS, type StoreKind, storeKinds } from "./store-kinds";

const cleanups = cleanupAfterEach();

/** Real time plus an offset the test moves forward. */
function movableClock() {
  let offset = 0;
  return { now: () => Date.now() + offset, jump: (ms: number) => (offset += ms) };
}

const stores = storeKinds();

async function setup(kind: StoreKind, clock = movableClock()) {
  const { store, dir } = await stores.openTemp(kind, cleanups, clock.now);
  const account = await createAccount(store);
  return { dir, store, account, clock };
}

function receiver(...args: Parameters<typeof startReceiver>): Receiver {
  const r = startReceiver(...args);
  cleanups.push(() => r.stop());
  return r;
}

/** A promise and the function that resolves it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe.each(STORE_KINDS)("engine on leases (%s)", (kind) => {
  test("a lease taken meanwhile: the outcome is fenced and counted, the queued attempt is not sent", async () => {
    const { dir, store, account, clock } = await setup(kind);
    const held = gate();
    const r = receiver(async () => {
      await held.opened;
      return new Response("ok");
    });
    const webhook = await createWebhook(store, account, r.url);
    // Timeout 2 s + margin 1 s: leases of 3 s. One attempt at a time for the webhook, so the second
    // delivery waits in its lane while the first is sent.
    const config = testConfig({ dataDir: dir.path, webhookConcurrency: 1, retrySchedule: [0, 50] });
    const { engine, metrics } = engineFor(store, config, { now: clock.now });
    cleanups.push(() => engine.stop(0));
    engine.start();
    const first = (await publishLeased(store, engine, account, [webhook])).deliveries[0]?.id as string;
    const queued = (await publishLeased(store, engine, account, [webhook])).deliveries[0]?.id as string;
    await r.waitFor(1);
    expect(r.requests[0]?.headers.get("x-inbox-delivery-id")).toBe(first);

    // Both leases run out (this replica stalled) and another replica leases both deliveries.
    clock.jump(5_000);
    const taken = await store.work.lease({
      owner: "other",
      until: clock.now() + 1,
      limit: 10,
      leaseMs: 60_000,
    });
    expect(taken.map((l) => l.delivery.id).sort()).toEqual([first, queued].sort());
    held.open();

    await waitUntil("the fenced outcome", () => metrics.leaseFencedWrites.get() === 1);
    await waitUntil("the lost lease", () => metrics.leasesLost.get() === 1);
    await Bun.sleep(300);
    // The first was sent once and its outcome written nowhere; the queued one was never sent.
    expect(r.requests.map((q) => q.headers.get("x-inbox-delivery-id"))).toEqual([first]);
    for (const id of [first, queued]) {
      expect(await store.deliveries.getById(id)).toMatchObject({ status: "pending", attempts: 0 });
      expect(await store.attempts.listForDelivery(id)).toHaveLength(0);
    }
    expect(engine.leasesHeld()).toBe(0);
    expect(metrics.render()).toContain("inbox_lease_fenced_writes_total 1");
    expect(metrics.render()).toContain("inbox_lease_lost_total 1");
    // The other replica's leases are live: it alone may attempt them.
    const again = await store.work.lease({
      owner: "test-replica",
      until: clock.now() + 1,
      limit: 10,
      leaseMs: 1,
    });
    expect(again).toHaveLength(0);
  });

  test("a lease running short after a wait in a lane is renewed, and the attempt is made", async () => {
    const { dir, store, account, clock } = await setup(kind);
    const held = gate();
    const r = receiver(async (_req, i) => {
      if (i === 0) await held.opened;
      return new Response("ok");
    });
    const webhook = await createWebhook(store, account, r.url);
    const config = testConfig({ dataDir: dir.path, webhookConcurrency: 1, retrySchedule: [0] });
    const { engine, metrics } = engineFor(store, config, { now: clock.now });
    cleanups.push(() => engine.stop(0));
    engine.start();
    const first = (await publishLeased(store, engine, account, [webhook])).deliveries[0]?.id as string;
    const queued = (await publishLeased(store, engine, account, [webhook])).deliveries[0]?.id as string;
    await r.waitFor(1);
    // 2.6 s of the queued lease's 3 s pass in the lane: less than timeout + safety is left.
    clock.jump(2_600);
    held.open();
    await waitUntil("both delivered", () => allSucceeded(store, [first, queued]));
    expect(metrics.leaseRenewals.get()).toBe(1);
    expect(metrics.leasesLost.get()).toBe(0);
    expect(r.requests).toHaveLength(2);
  });

  test("shutdown gives every lease back: a second replica takes them at once, not after they expire", async () => {
    const { dir, store, account } = await setup(kind);
    const r = receiver(() => hang());
    const webhook = await createWebhook(store, account, r.url);
    // Leases of 10 s + 1 s: without the give-back, the second replica would wait for them.
    const config = testConfig({
      dataDir: dir.path,
      timeoutMs: 10_000,
      webhookConcurrency: 1,
      retrySchedule: [0],
    });
    const a = engineFor(store, config).engine;
    a.start();
    // One in flight (its receiver hangs), one queued behind it (the webhook is at its cap of one),
    // one in the timer (due in 600 ms).
    const inFlight = (await publishLeased(store, a, account, [webhook])).deliveries[0]?.id as string;
    await r.waitFor(1);
    const queued = (await publishLeased(store, a, account, [webhook])).deliveries[0]?.id as string;
    const later = (await publish(store, account, [webhook], { due: Date.now() + 600 })).deliveries[0]
      ?.id as string;
    await waitUntil("the later delivery leased", () => a.leasesHeld() === 3);
    const stopped = Date.now();
    await a.stop(100);
    expect(a.leasesHeld()).toBe(0);

    r.respond(() => new Response("ok"));
    const b = engineFor(store, { ...config, replicaId: "replica-b" }).engine;
    cleanups.push(() => b.stop(0));
    b.start();
    const ids = [inFlight, queued, later];
    await waitUntil("all delivered by the second replica", () => allSucceeded(store, ids), 3_000);
    expect(Date.now() - stopped).toBeLessThan(3_000);
    const byId = (id: string) => r.requests.filter((q) => q.headers.get("x-inbox-delivery-id") === id);
    // The abandoned attempt is made again (at least once); the others once each.
    expect(byId(inFlight)).toHaveLength(2);
    expect(byId(queued)).toHaveLength(1);
    expect(byId(later)).toHaveLength(1);
  });

  test("a retry due within the horizon is relet with its outcome and fires on time without a poll", async () => {
    const { dir, store, account } = await setup(kind);
    const r = receiver((_req, i) => new Response(i === 0 ? "down" : "ok", { status: i === 0 ? 503 : 200 }));
    const webhook = await createWebhook(store, account, r.url);
    const config = testConfig({ dataDir: dir.path, retrySchedule: [0, 300] });
    // Refills an hour apart: after the one at start, only relet leases bring the retry back.
    const { engine } = engineFor(store, config, { scheduler: { refillMs: 3_600_000, rescanMs: 3_600_000 } });
    cleanups.push(() => engine.stop(0));
    engine.start();
    await Bun.sleep(50);
    const id = (await publishLeased(store, engine, account, [webhook])).deliveries[0]?.id as string;
    await waitUntil("the retry", async () => (await statusOf(store, id)) === "succeeded", 3_000);
    const [first, second] = r.requests.map((q) => q.at) as [number, number];
    expect(second - first).toBeGreaterThanOrEqual(295);
    expect(second - first).toBeLessThan(1_000);
    expect(r.requests.map((q) => q.headers.get("x-inbox-attempt"))).toEqual(["1", "2"]);
  });
});
