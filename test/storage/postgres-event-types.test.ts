// Two replicas on one PostgreSQL schema: a type registered, replaced or archived through one is
// enforced by the other once that one's catalog is READ_CACHE_MS_MAX old (its clock moved here),
// never before, and by the replica that made the change at once.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type TestDatabase, testDatabase } from "../../scripts/lib/test-database";
import { eventCatalog } from "../../src/domain/event-catalog";
import { EventTypeRegistry } from "../../src/domain/event-type-registry";
import { EventTypesService } from "../../src/domain/event-types-service";
import { operationalCatalog } from "../../src/domain/operational-event-types";
import { openPostgresStore } from "../../src/storage/postgres/pg-store";
import { READ_CACHE_MS_MAX, type Store } from "../../src/storage/store";
import { silentLogger } from "../support/silent-logger";

let db: TestDatabase;
const stores: Store[] = [];
beforeAll(async () => {
  db = await testDatabase();
});
afterAll(async () => {
  for (const store of stores) await store.close();
  await db?.close();
});

/** A replica: its own store (pool and caches) on the shared schema, its registry on a test clock. */
async function replica(id: string) {
  const store = await openPostgresStore({
    url: db.url,
    schema: "event_types_replicas",
    poolMax: 2,
    logger: silentLogger,
    replicaId: id,
  });
  stores.push(store);
  const clock = { now: 0 };
  const registry = new EventTypeRegistry({ store, builtIn: eventCatalog, clock: () => clock.now });
  const service = new EventTypesService({ store, registry, operationalCatalog, now: Date.now });
  return { registry, service, clock };
}

describe("postgres: operator event types across replicas", () => {
  test("a change through one replica is enforced by the other within READ_CACHE_MS_MAX", async () => {
    const a = await replica("a");
    const b = await replica("b");
    expect((await b.registry.current()).has("order.paid")).toBe(false);

    await a.service.create("order.paid", {
      description: "Paid.",
      schema: { type: "object", required: ["id"] },
    });
    expect((await a.registry.current()).has("order.paid")).toBe(true);
    b.clock.now = READ_CACHE_MS_MAX - 1;
    expect((await b.registry.current()).has("order.paid")).toBe(false);
    b.clock.now = READ_CACHE_MS_MAX;
    expect((await b.registry.current()).validate("order.paid", {})).toEqual([
      { field: "/data/id", reason: "is required" },
    ]);

    await a.service.update("order.paid", {
      description: "Paid.",
      schema: { type: "object", required: ["ref"] },
    });
    expect((await a.registry.current()).validate("order.paid", { id: 1 })[0]?.field).toBe("/data/ref");
    b.clock.now = 2 * READ_CACHE_MS_MAX;
    expect((await b.registry.current()).validate("order.paid", { id: 1 })).toEqual([
      { field: "/data/ref", reason: "is required" },
    ]);

    await a.service.archive("order.paid");
    b.clock.now = 3 * READ_CACHE_MS_MAX;
    const catalog = await b.registry.current();
    expect(catalog.has("order.paid")).toBe(false);
    expect(catalog.refusal("order.paid")).toContain("archived");
  });
});
