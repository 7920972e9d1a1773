// The engine's read savings with leases, on both stores: a publish leases its own first attempts,
// so they start without a poll of the store and without a read of the delivery (the lease carries
// it); a delivery taken from the store's due work is not read either, whatever its lane does.

import { describe, expect, test } from "bun:test";
import type { LeaseRequest, Store } from "../../src/storage/store";
import { cleanupAfterEach } from "../support/cleanups";
import { startReceiver } from "../support/receiver";
import {
  createAccount,
  createWebhook,
  engineFor,
  publish,
  publishLeased,
  publishThroughService,
  statusOf,
  testConfig,
  waitUntil,
} from "./fixtures";
import { STORE_KINDS, type StoreKind, storeKinds } from "./store-kinds";

const cleanups = cleanupAfterEach();

/** The store with its delivery reads by id and its lease requests counted. */
function counting(store: Store): { store: Store; reads: Map<string, number>; polls: { count: number } } {
  const reads = new Map<string, number>();
  const polls = { count: 0 };
  const deliveries = new Proxy(store.deliveries, {
    get(target, key, receiver) {
      if (key !== "getById") return Reflect.get(target, key, receiver);
      return (id: string) => {
        reads.set(id, (reads.get(id) ?? 0) + 1);
        return target.getById(id);
      };
    },
  });
  const work = new Proxy(store.work, {
    get(target, key, receiver) {
      if (key !== "lease") return Reflect.get(target, key, receiver);
      return (request: LeaseRequest) => {
        polls.count++;
        return target.lease(request);
      };
    },
  });
  const counted = new Proxy(store, {
    get(target, key, receiver) {
      if (key === "deliveries") return deliveries;
      if (key === "work") return work;
      const value = Reflect.get(target, key, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { store: counted, reads, polls };
}

const stores = storeKinds();

async function setup(
  kind: StoreKind,
  configOverrides = {},
  extra: { queuePerWebhook?: number; refillMs?: number } = {},
) {
  const { store: real, dir } = await stores.openTemp(kind, cleanups);
  const { store, reads, polls } = counting(real);
  const config = testConfig({ dataDir: dir.path, retrySchedule: [0], ...configOverrides });
  const { engine } = engineFor(store, config, {
    ...(extra.queuePerWebhook ? { queuePerWebhook: extra.queuePerWebhook } : {}),
    scheduler: { refillMs: extra.refillMs ?? 50, rescanMs: 200 },
  });
  cleanups.push(() => engine.stop(0));
  const account = await createAccount(real);
  return { real, store, reads, polls, engine, config, account };
}

describe.each(STORE_KINDS)("%s", (kind) => {
  test("a publish's first attempt needs no poll of the store and no read of its delivery", async () => {
    // Refills an hour apart: after the one at start, only the publish's own lease can bring work.
    const { real, store, reads, polls, engine, config, account } = await setup(
      kind,
      {},
      { refillMs: 3_600_000 },
    );
    const r = startReceiver();
    cleanups.push(() => r.stop());
    const webhook = await createWebhook(real, account, r.url);
    // A webhook changed in the same millisecond as a delivery record may have changed after it, so
    // the attempt would read the delivery afresh: publish in a later millisecond.
    while (Date.now() <= webhook.updated_at) await Bun.sleep(1);
    engine.start();
    await waitUntil("the start's refill", () => polls.count === 1);
    await Bun.sleep(50);
    const id = await publishThroughService(store, engine, config, account);
    await waitUntil("delivered", async () => (await statusOf(real, id)) === "succeeded", 2_000);
    expect(r.requests).toHaveLength(1);
    expect(polls.count).toBe(1);
    expect(reads.get(id) ?? 0).toBe(0);
  });

  test("a leased delivery is attempted without reading it from the store", async () => {
    const { real, reads, engine, account } = await setup(kind);
    const r = startReceiver();
    cleanups.push(() => r.stop());
    const webhook = await createWebhook(real, account, r.url);
    while (Date.now() <= webhook.updated_at) await Bun.sleep(1);
    engine.start();
    const { deliveries } = await publishLeased(real, engine, account, [webhook]);
    const id = deliveries[0]?.id as string;
    await waitUntil("delivered", async () => (await statusOf(real, id)) === "succeeded");
    expect(r.requests).toHaveLength(1);
    expect(reads.get(id) ?? 0).toBe(0);
  });

  test("deliveries refused by a full lane go back to the store and are all delivered, none read by id", async () => {
    const { real, reads, engine, account } = await setup(
      kind,
      { webhookConcurrency: 1 },
      { queuePerWebhook: 2 },
    );
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const r = startReceiver(async () => {
      await released;
      return new Response("ok");
    });
    cleanups.push(() => r.stop());
    const webhook = await createWebhook(real, account, r.url);
    while (Date.now() <= webhook.updated_at) await Bun.sleep(1);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { deliveries } = await publish(real, account, [webhook]);
      ids.push(deliveries[0]?.id as string);
    }
    // Not leased by their publish: the engine leases them from the store; one runs, two wait, nine
    // are refused and given back, to be leased again after the lane drains.
    engine.start();
    await r.waitFor(1);
    // Several refills and re-scans pass while the receiver holds the only slot.
    await Bun.sleep(1_000);
    expect(r.requests).toHaveLength(1);
    expect(engine.leasesHeld()).toBe(3);
    release();
    await waitUntil(
      "all delivered",
      async () => (await Promise.all(ids.map((id) => statusOf(real, id)))).every((s) => s === "succeeded"),
      10_000,
    );
    expect(r.requests).toHaveLength(12);
    expect(new Set(r.requests.map((q) => q.headers.get("x-inbox-delivery-id"))).size).toBe(12);
    for (const id of ids) expect(reads.get(id) ?? 0).toBe(0);
  });
});
