// The engine's read savings: a delivery announced by its publish is taken into its lane without a
// read, and a delivery refused by a full lane is not read again while that lane stays full.

import { expect, test } from "bun:test";
import type { Store } from "../../src/storage/store";
import { cleanupAfterEach } from "../support/cleanups";
import { startReceiver } from "../support/receiver";
import {
  createAccount,
  createWebhook,
  engineFor,
  openStore,
  publish,
  tempDir,
  testConfig,
  waitUntil,
} from "./fixtures";

const cleanups = cleanupAfterEach();

/** The store with its delivery reads by id counted. */
function counting(store: Store): { store: Store; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const deliveries: Store["deliveries"] = {
    ...store.deliveries,
    getById(id) {
      reads.set(id, (reads.get(id) ?? 0) + 1);
      return store.deliveries.getById(id);
    },
  };
  return { store: { ...store, deliveries }, reads };
}

async function setup(configOverrides = {}, queuePerWebhook?: number) {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const real = await openStore(dir.path);
  cleanups.push(() => real.close());
  const { store, reads } = counting(real);
  const config = testConfig({ dataDir: dir.path, retrySchedule: [0], ...configOverrides });
  const { engine } = engineFor(store, config, queuePerWebhook ? { queuePerWebhook } : {});
  cleanups.push(() => engine.stop(0));
  const account = await createAccount(real);
  return { real, reads, engine, account };
}

test("an announced delivery is attempted without reading it from the store", async () => {
  const { real, reads, engine, account } = await setup();
  const r = startReceiver();
  cleanups.push(() => r.stop());
  const webhook = await createWebhook(real, account, r.url);
  // A webhook changed in the same millisecond as a delivery record may have changed after it, so
  // the attempt would read the delivery afresh: publish in a later millisecond.
  while (Date.now() <= webhook.updated_at) await Bun.sleep(1);
  const { event, deliveries } = await publish(real, account, [webhook]);
  const delivery = deliveries[0];
  if (!delivery) throw new Error("no delivery");
  // Announced before the engine first looks at the store, which would otherwise find it first.
  engine.remember([event], deliveries);
  engine.enqueue([{ delivery_id: delivery.id, due: delivery.next_attempt_at as number }]);
  engine.start();
  await waitUntil("delivered", () => real.deliveries.getById(delivery.id)?.status === "succeeded");
  expect(r.requests).toHaveLength(1);
  expect(reads.get(delivery.id) ?? 0).toBe(0);
});

test("a delivery refused by its full lane is not read again while the lane stays full", async () => {
  const { real, reads, engine, account } = await setup({ webhookConcurrency: 1 }, 2);
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
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) {
    const { deliveries } = await publish(real, account, [webhook]);
    ids.push(deliveries[0]?.id as string);
  }
  // Not announced: the engine finds them in the store; one runs, two wait, nine are refused.
  engine.start();
  await r.waitFor(1);
  // Several refills and re-scans pass while the receiver holds the only slot.
  await Bun.sleep(1_000);
  const readsWhileFull = ids.map((id) => reads.get(id) ?? 0);
  // Each was read at most once or twice (when first taken in), not once per re-scan.
  for (const count of readsWhileFull) expect(count).toBeLessThanOrEqual(2);
  release();
  await waitUntil(
    "all delivered",
    () => ids.every((id) => real.deliveries.getById(id)?.status === "succeeded"),
    10_000,
  );
  expect(r.requests).toHaveLength(12);
});
