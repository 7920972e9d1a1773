// While the store refuses writes (disk full, database unreachable), the engine sends nothing: an
// outcome it could not record would leave the delivery due, and it would be sent again at every
// re-read of the queue. Once the store takes writes again, the delivery is made once.

import { expect, test } from "bun:test";
import { type Store, StoreFullError, type StoreHealth, StoreUnavailableError } from "../../src/storage/store";
import { cleanupAfterEach } from "../support/cleanups";
import { startReceiver } from "../support/receiver";
import {
  createAccount,
  createWebhook,
  engineFor,
  publish,
  statusOf,
  tempStore,
  testConfig,
  waitUntil,
} from "./fixtures";

const cleanups = cleanupAfterEach();

/** Makes the store report itself unwritable for `reason` while `refusing()` says so. */
function refuseWrites(store: Store, reason: "full" | "unavailable", refusing: () => boolean): void {
  const real = store.health.bind(store);
  store.health = (): StoreHealth =>
    refusing() ? { ...real(), writable: false, reason, since: Date.now() } : real();
}

test("no attempt is made while the store is full; the delivery is made once when space returns", async () => {
  const { dir, store } = await tempStore(cleanups);
  let full = true;
  refuseWrites(store, "full", () => full);

  const receiver = startReceiver();
  cleanups.push(() => receiver.stop());
  const account = await createAccount(store);
  const webhook = await createWebhook(store, account, receiver.url);
  const { deliveries } = await publish(store, account, [webhook]);
  const id = deliveries[0]?.id as string;

  const config = testConfig({ dataDir: dir.path, retrySchedule: [0] });
  const { engine } = engineFor(store, config, { scheduler: { refillMs: 20, rescanMs: 50 } });
  cleanups.push(() => engine.stop(0));
  engine.start();

  // Many re-reads of the queue later, nothing was sent and the delivery is still due.
  await Bun.sleep(400);
  expect(receiver.requests).toHaveLength(0);
  expect(await statusOf(store, id)).toBe("pending");

  full = false;
  await waitUntil("the delivery", async () => (await statusOf(store, id)) === "succeeded");
  await Bun.sleep(200);
  expect(receiver.requests).toHaveLength(1);
});

test("while the database is unreachable nothing is sent; the engine recovers by itself once it answers", async () => {
  const { dir, store } = await tempStore(cleanups);
  let down = true;
  let refused = 0;
  refuseWrites(store, "unavailable", () => down);
  // Leasing needs the database, as on PostgreSQL: refused while it is down.
  const lease = store.work.lease.bind(store.work);
  store.work.lease = (request) => {
    if (!down) return lease(request);
    refused++;
    return Promise.reject(new StoreUnavailableError(new Error("ECONNREFUSED")));
  };

  const receiver = startReceiver();
  cleanups.push(() => receiver.stop());
  const account = await createAccount(store);
  const webhook = await createWebhook(store, account, receiver.url);
  const { deliveries } = await publish(store, account, [webhook]);
  const id = deliveries[0]?.id as string;

  const config = testConfig({ dataDir: dir.path, retrySchedule: [0] });
  const { engine } = engineFor(store, config, { scheduler: { refillMs: 20, rescanMs: 50 } });
  cleanups.push(() => engine.stop(0));
  engine.start();

  await Bun.sleep(300);
  expect(receiver.requests).toHaveLength(0);
  // The refills kept asking: the first one that succeeds is how the engine finds the database back.
  expect(refused).toBeGreaterThan(3);

  down = false;
  await waitUntil("the delivery", async () => (await statusOf(store, id)) === "succeeded");
  await Bun.sleep(200);
  expect(receiver.requests).toHaveLength(1);
});

test.each([
  { reason: "full", what: "the store is full", error: StoreFullError },
  { reason: "unavailable", what: "the database is unreachable", error: StoreUnavailableError },
] as const)(
  "a test send is refused while $what, before the receiver hears of it",
  async ({ reason, error }) => {
    const { dir, store } = await tempStore(cleanups);
    refuseWrites(store, reason, () => true);
    const receiver = startReceiver();
    cleanups.push(() => receiver.stop());
    const account = await createAccount(store);
    const webhook = await createWebhook(store, account, receiver.url);
    const { event } = await publish(store, account, []);
    const { engine } = engineFor(store, testConfig({ dataDir: dir.path }));
    cleanups.push(() => engine.stop(0));

    await expect(engine.sendTest(webhook, event)).rejects.toBeInstanceOf(error);
    expect(receiver.requests).toHaveLength(0);
  },
);
