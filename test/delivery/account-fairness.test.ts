// Fairness between accounts inside the engine (real LMDB, real receivers on 127.0.0.1): an account
// whose receivers hang holds at most its account cap of attempts however many webhooks it has,
// another account's deliveries go through meanwhile, and once the hanging receivers answer every
// delivery of both is made exactly once, including those its full lanes and account left in the
// store to be read again.

import { expect, test } from "bun:test";
import { cleanupAfterEach } from "../support/cleanups";
import { startReceiver } from "../support/receiver";
import {
  allSucceeded,
  createAccount,
  createWebhook,
  engineFor,
  publish,
  tempStore,
  testConfig,
  waitUntil,
} from "./fixtures";

const cleanups = cleanupAfterEach();

test("a hanging account holds at most its cap; another account is served meanwhile; nothing is lost", async () => {
  const { dir, store } = await tempStore(cleanups);
  const config = testConfig({
    dataDir: dir.path,
    retrySchedule: [0],
    concurrency: 8,
    accountConcurrency: 4,
    webhookConcurrency: 2,
    timeoutMs: 30_000,
  });
  // Lanes of 3: with 4 webhooks, the account's queue (4 lanes' worth) refuses too.
  const { engine } = engineFor(store, config, { queuePerWebhook: 3 });
  cleanups.push(() => engine.stop(0));

  let inFlight = 0;
  let maxInFlight = 0;
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const hanging = startReceiver(async () => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await released;
    inFlight--;
    return new Response("late but fine");
  });
  const healthy = startReceiver();
  cleanups.push(() => hanging.stop());
  cleanups.push(() => healthy.stop());

  const bad = await createAccount(store);
  const good = await createAccount(store);
  const badHooks = await Promise.all(
    [0, 1, 2, 3].map((w) => createWebhook(store, bad, `${hanging.url}/w${w}`)),
  );
  const goodHook = await createWebhook(store, good, healthy.url);
  const badIds: string[] = [];
  for (let i = 0; i < 10; i++) {
    const { deliveries } = await publish(store, bad, badHooks);
    badIds.push(...deliveries.map((d) => d.id));
  }
  engine.start();
  await hanging.waitFor(4);

  const goodIds: string[] = [];
  for (let i = 0; i < 5; i++) {
    const { deliveries } = await publish(store, good, [goodHook]);
    goodIds.push(deliveries[0]?.id as string);
  }
  await waitUntil("the healthy account's deliveries", () => allSucceeded(store, goodIds));
  // Several refills and re-reads later, the hanging account still holds only its cap.
  await Bun.sleep(500);
  expect(inFlight).toBe(4);
  expect(maxInFlight).toBe(4);

  release();
  await waitUntil("every delivery of the hanging account", () => allSucceeded(store, badIds), 15_000);
  expect(maxInFlight).toBe(4);
  const perDelivery = new Map<string, number>();
  for (const r of hanging.requests) {
    const id = r.headers.get("x-inbox-delivery-id") as string;
    perDelivery.set(id, (perDelivery.get(id) ?? 0) + 1);
  }
  expect(perDelivery.size).toBe(40);
  expect([...perDelivery.values()].every((n) => n === 1)).toBe(true);
  expect(healthy.requests).toHaveLength(5);
}, 30_000);
