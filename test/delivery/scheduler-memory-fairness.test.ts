// Fairness at the scheduler's memory bound, at the production ratio: heldMax (50,000) is 2.5x an
// account's waiting room (4 lanes x 5,000 = 20,000); here heldMax 50 and lanes of 5 (20 an account).
// Waiting ids stay handed out, so the admission caps them at half of heldMax in total.
// Three accounts whose receivers hang, each with a due backlog bigger than its waiting room, fill
// heldMax with ids parked in their lanes; the refill then has no room and never reads the healthy
// account's delivery from the store (after a restart, or a retry due beyond the 60 s horizon),
// unless the total waiting across accounts is capped below heldMax.
import { expect, test } from "bun:test";
import { cleanupAfterEach } from "../support/cleanups";
import { hang, startReceiver } from "../support/receiver";
import {
  createAccount,
  createWebhook,
  engineFor,
  publish,
  tempStore,
  testConfig,
  waitUntil,
} from "./fixtures";

const cleanups = cleanupAfterEach();

test("a healthy account's stored delivery is read while three hanging accounts fill memory", async () => {
  const { dir, store } = await tempStore(cleanups);
  const config = testConfig({
    dataDir: dir.path,
    concurrency: 16,
    accountConcurrency: 4,
    webhookConcurrency: 1,
    timeoutMs: 4_000,
    retrySchedule: [0, 50, 50, 50],
  });
  const { engine } = engineFor(store, config, {
    queuePerWebhook: 5,
    scheduler: { heldMax: 50, refillMs: 20, rescanMs: 100 },
  });
  const bad = startReceiver(hang);
  const good = startReceiver(() => new Response("ok"));
  cleanups.push(() => engine.stop(0));
  cleanups.push(() => bad.stop());
  cleanups.push(() => good.stop());

  const old = Date.now() - 1_000;
  for (let a = 0; a < 3; a++) {
    const account = await createAccount(store);
    const hooks = [];
    for (let w = 0; w < 4; w++) hooks.push(await createWebhook(store, account, `${bad.url}/a${a}w${w}`));
    for (let e = 0; e < 10; e++) await publish(store, account, hooks, { due: old + e });
  }
  const healthy = await createAccount(store);
  const hook = await createWebhook(store, healthy, `${good.url}/in`);
  await publish(store, healthy, [hook]); // in the store, due now (as after a restart)
  engine.start();
  await waitUntil("the healthy delivery", () => good.requests.length > 0, 3_000);
  expect(good.requests).toHaveLength(1);
});
