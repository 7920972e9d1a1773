// A PostgreSQL restart under a running store: while the server is down, every call fails with
// StoreUnavailableError and health() says "unavailable"; once it is back, the same store works again
// without being reopened (the pool is rebuilt if it wedged), and nothing committed before is lost.
// Runs on a private cluster of its own, since it stops the server.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type PostgresCluster, startPostgres } from "../../scripts/lib/embedded-postgres";
import { createLogger } from "../../src/observability/logger";
import { openPostgresStore } from "../../src/storage/postgres/pg-store";
import { type Store, StoreUnavailableError } from "../../src/storage/store";
import { silentLogger } from "../support/silent-logger";
import { event, item, publishOne, type Tenant, tenant } from "./fixtures";

let cluster: PostgresCluster;
let store: Store;
beforeAll(async () => {
  cluster = await startPostgres({ durable: false });
  store = await openPostgresStore({
    url: cluster.url,
    logger: silentLogger,
    replicaId: "outage",
    poolMax: 4,
  });
});
afterAll(async () => {
  await store?.close();
  await cluster?.stop();
});

async function failure(op: () => Promise<unknown>): Promise<unknown> {
  try {
    await op();
    return undefined;
  } catch (error) {
    return error;
  }
}

/** Whether a publish succeeds within about ten seconds of the server coming back. */
async function publishesAgain(s: Store, t: Tenant): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if ((await failure(() => publishOne(s, t))) === undefined) return true;
    await Bun.sleep(100);
  }
  return false;
}

describe("postgres store: the server restarts", () => {
  test("calls fail with StoreUnavailableError while it is down and succeed again once it is up", async () => {
    const t = await tenant(store);
    const before = await publishOne(store, t);
    await cluster.down();

    const publishing = await failure(() => store.events.publish([item(event(t.account.id), [t.webhook.id])]));
    expect(publishing).toBeInstanceOf(StoreUnavailableError);
    expect(await failure(() => store.deliveries.getById(before.delivery.id))).toBeInstanceOf(
      StoreUnavailableError,
    );
    expect(store.health()).toMatchObject({ writable: false, reason: "unavailable" });
    expect(store.health().since).toBeGreaterThan(0);

    await cluster.up();
    expect(await publishesAgain(store, t)).toBe(true);
    expect(store.health()).toMatchObject({ writable: true, reason: null });
    expect((await store.deliveries.getById(before.delivery.id))?.id).toBe(before.delivery.id);
  });

  test("an outage of several seconds logs the pool replacement once, and its count when the database is back", async () => {
    const lines: { msg: string; pools_replaced?: number }[] = [];
    const logger = createLogger("info", (line) => lines.push(JSON.parse(line)));
    const watched = await openPostgresStore({
      url: cluster.url,
      logger,
      replicaId: "outage-log",
      poolMax: 2,
    });
    try {
      const t = await tenant(watched);
      await cluster.down();
      const until = Date.now() + 3_500;
      while (Date.now() < until) {
        await failure(() => publishOne(watched, t));
        await Bun.sleep(50);
      }
      await cluster.up();
      expect(await publishesAgain(watched, t)).toBe(true);
      const replaced = lines.filter(
        (l) => l.msg === "database pool replaced after repeated connection failures",
      );
      expect(replaced).toHaveLength(1);
      const back = lines.find((l) => l.msg === "database reachable again");
      expect(back?.pools_replaced).toBeGreaterThanOrEqual(2);
    } finally {
      await watched.close();
    }
  }, 30_000);
});
