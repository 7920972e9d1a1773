// A publish is delivered once even when the engine's refill runs before the flush ends: the publish
// leases its first attempts in its own write, so a refill cannot lease them too, and the engine
// gets the leases after the flush. End to end through EventsService.publish; the only change from
// production is a slower `store.flushed()` (an fsync of 60 ms, as on a busy or network disk)
// against the test refill pace of 50 ms (1 s in production: the same race, hit less often).
import { expect, test } from "bun:test";
import type { Store } from "../../src/storage/store";
import { cleanupAfterEach } from "../support/cleanups";
import { startReceiver } from "../support/receiver";
import {
  createAccount,
  createWebhook,
  engineFor,
  publishThroughService,
  tempStore,
  testConfig,
  waitUntil,
} from "./fixtures";

const cleanups = cleanupAfterEach();

test("one publish, one request, even when the refill runs before the publish's leases are handed over", async () => {
  const { dir, store: real } = await tempStore(cleanups);
  const store = new Proxy(real, {
    get(target, key, recv) {
      if (key === "flushed")
        return async () => {
          await Bun.sleep(60);
          await target.flushed();
        };
      return Reflect.get(target, key, recv);
    },
  }) as Store;
  const config = testConfig({ dataDir: dir.path });
  const { engine } = engineFor(store, config);
  const account = await createAccount(store);
  const r = startReceiver(() => new Response("ok"));
  cleanups.push(() => engine.stop(0));
  cleanups.push(() => r.stop());
  await createWebhook(store, account, `${r.url}/in`);
  engine.start();
  const id = await publishThroughService(store, engine, config, account);
  await waitUntil("delivered", async () => (await store.deliveries.getById(id))?.status === "succeeded");
  await Bun.sleep(300);
  expect(r.requests.map((q) => q.headers.get("x-inbox-delivery-id"))).toEqual([id]);
});
