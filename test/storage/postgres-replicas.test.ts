// What only the PostgreSQL store has: several replicas (stores) on one schema. Opening together
// migrates once; a newer schema is refused; one event id published through three clients at once
// is one event; leases outlive their holder only until they expire, and a late holder is fenced;
// retention skips what others hold and never blocks publishing; figures refresh in the background;
// another replica's change reaches cached reads within READ_CACHE_MS_MAX; a lost connection is
// StoreUnavailableError and the store recovers by itself.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { type TestDatabase, testDatabase } from "../../scripts/lib/test-database";
import { createLogger, type Logger } from "../../src/observability/logger";
import { MIGRATIONS } from "../../src/storage/postgres/migrations";
import { PgClient } from "../../src/storage/postgres/pg-client";
import { dropPostgresSchema, openPostgresStore } from "../../src/storage/postgres/pg-store";
import {
  READ_CACHE_MS_MAX,
  SchemaVersionError,
  type Store,
  StoreUnavailableError,
} from "../../src/storage/store";
import { silentLogger } from "../support/silent-logger";
import { attempt, event, item, publishOne, T0, tenant } from "./fixtures";

let db: TestDatabase;
let admin: SQL;
beforeAll(async () => {
  db = await testDatabase();
  admin = new SQL({ url: db.url, max: 2 });
});
afterAll(async () => {
  await admin?.close();
  await db?.close();
});

let serial = 0;
let schema = "";
const opened: Store[] = [];

function open(over: { logger?: Logger; figuresIntervalMs?: number; replicaId?: string } = {}) {
  return openPostgresStore({
    url: db.url,
    schema,
    poolMax: 3,
    logger: over.logger ?? silentLogger,
    replicaId: over.replicaId ?? `r${opened.length + 1}`,
    figuresIntervalMs: over.figuresIntervalMs,
  }).then((store) => {
    opened.push(store);
    return store;
  });
}

const three = () => Promise.all([open(), open(), open()]);

describe("postgres store: replicas on one schema", () => {
  beforeAll(() => {
    schema = `replicas_${process.pid}_${++serial}`;
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await dropPostgresSchema(db.url, schema);
    schema = `replicas_${process.pid}_${++serial}`;
  });

  test("three stores opening one empty schema at once migrate it once", async () => {
    // Several rounds: the creates of the schema and its version table race differently each time.
    for (let round = 0; round < 5; round++) {
      const lines: string[] = [];
      const logger = createLogger("info", (line) => lines.push(line));
      await Promise.all([open({ logger }), open({ logger }), open({ logger })]);
      const migrated = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "storage schema migrated");
      // Each version applied once, by one of the three.
      const versions = MIGRATIONS.map((m) => m.version);
      expect(migrated.map((l) => l.version).sort()).toEqual(versions);
      const rows = await admin.unsafe(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
      expect(rows.map((r: { version: number }) => r.version)).toEqual(versions);
      await Promise.all(opened.splice(0).map((s) => s.close()));
      await dropPostgresSchema(db.url, schema);
      schema = `replicas_${process.pid}_${++serial}`;
    }
  });

  test("a schema newer than this build is refused with SchemaVersionError", async () => {
    await (await open()).close();
    opened.length = 0;
    await admin.unsafe(
      `INSERT INTO "${schema}".schema_migrations (version, description, applied_by) VALUES (99, 'future', 'x')`,
    );
    const refused = open().then(
      () => undefined,
      (error: unknown) => error,
    );
    const error = await refused;
    expect(error).toBeInstanceOf(SchemaVersionError);
    expect((error as SchemaVersionError).found).toBe(99);
    expect((error as Error).message).toContain("run a newer release");
  });

  test("one event id published through three clients at once creates one event", async () => {
    const stores = await three();
    const [first] = stores;
    if (!first) throw new Error("no store");
    const t = await tenant(first);
    for (let round = 0; round < 20; round++) {
      const id = `order-${round}`;
      const results = await Promise.all(
        stores.map((store, i) =>
          store.events.publish(
            [item(event(t.account.id, { id, data: { from: i } }), [t.webhook.id], Date.now())],
            {
              lease: { owner: `r${i}`, leaseMs: 60_000, max: 10 },
            },
          ),
        ),
      );
      const created = results.flat().filter((r) => r.created);
      expect(created).toHaveLength(1);
      // Only the publish that created the event leased its delivery.
      expect(results.flat().flatMap((r) => r.leases)).toHaveLength(1);
      expect(created[0]?.leases).toHaveLength(1);
      const stored = await first.events.get(t.account.id, id);
      for (const r of results.flat()) {
        expect(r.event).toEqual(stored as NonNullable<typeof stored>);
        expect(r.deliveries).toHaveLength(1);
      }
      expect(await first.deliveries.listForEvent(t.account.id, id)).toHaveLength(1);
    }
  });

  test("a closed replica's lease is taken by another once it expires; its late outcome is fenced", async () => {
    const [a, b] = await Promise.all([open(), open()]);
    if (!a || !b) throw new Error("no store");
    const t = await tenant(a);
    await publishOne(a, t, {}, Date.now() - 1_000);
    const request = { until: Date.now() + 60_000, limit: 10, leaseMs: 400 };
    const [held] = await a.work.lease({ ...request, owner: "a" });
    if (!held) throw new Error("nothing leased");
    expect(await b.work.lease({ ...request, owner: "b" })).toEqual([]);
    await a.close();
    await Bun.sleep(held.expiresInMs + 50);
    const [taken] = await b.work.lease({ ...request, owner: "b" });
    expect(taken?.delivery.id).toBe(held.delivery.id);
    expect(taken?.token ?? 0).toBeGreaterThan(held.token);

    // The first holder comes back (a new client) with its old token: nothing is written.
    const late = await open();
    const stale = attempt(held.delivery, { outcome: "succeeded", status_code: 200 });
    const fenced = await late.deliveries.recordAttempt(
      stale,
      { status: "succeeded" },
      { delivery_id: held.delivery.id, token: held.token },
    );
    expect(fenced.kind).toBe("fenced");
    expect(await late.attempts.listForDelivery(held.delivery.id)).toEqual([]);
    const done = await b.deliveries.recordAttempt(
      attempt(held.delivery, { outcome: "succeeded", status_code: 200 }),
      { status: "succeeded" },
      { delivery_id: held.delivery.id, token: taken?.token ?? 0 },
    );
    expect(done.kind).toBe("recorded");
    expect((await late.deliveries.getById(held.delivery.id))?.status).toBe("succeeded");
  });

  test("replicas leasing at once never share a delivery", async () => {
    const stores = await three();
    const [first] = stores;
    if (!first) throw new Error("no store");
    const t = await tenant(first);
    const due = Date.now() - 1_000;
    await first.events.publish(
      Array.from({ length: 300 }, () => item(event(t.account.id), [t.webhook.id], due)),
    );
    const request = { until: Date.now() + 60_000, limit: 40, leaseMs: 60_000 };
    const seen = new Map<string, number>();
    for (let round = 0; round < 4; round++) {
      const batches = await Promise.all(stores.map((s, i) => s.work.lease({ ...request, owner: `r${i}` })));
      for (const lease of batches.flat()) seen.set(lease.delivery.id, (seen.get(lease.delivery.id) ?? 0) + 1);
    }
    expect(seen.size).toBe(300);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  });

  test("retention skips rows another transaction holds and never blocks publishing", async () => {
    const store = await open();
    const t = await tenant(store);
    const old = T0;
    for (let i = 0; i < 6; i++) {
      const p = await publishOne(store, t, { created_at: old + i }, old + i);
      await store.work.lease({ owner: "x", until: Number.MAX_SAFE_INTEGER, limit: 10, leaseMs: 60_000 });
      await store.deliveries.recordAttempt(
        attempt(p.delivery, { started_at: old + i }),
        { status: "failed" },
        {
          delivery_id: p.delivery.id,
          token: 1,
        },
      );
    }
    const held = await admin.reserve();
    try {
      await held.unsafe("BEGIN");
      // Another replica's retention (or any writer) holds the two oldest events.
      await held.unsafe(`SELECT id FROM "${schema}".events ORDER BY created_at LIMIT 2 FOR UPDATE`);
      const publishing = Promise.all(
        Array.from({ length: 20 }, () => publishOne(store, t, { created_at: Date.now() })),
      );
      const purged = await store.purge(T0 + 1_000_000, 1_000);
      await publishing;
      expect(purged).toEqual({ attempts: 6, events: 4, deliveries: 4 });
      await held.unsafe("ROLLBACK");
    } finally {
      held.release();
    }
    expect(await store.purge(T0 + 1_000_000, 1_000)).toEqual({ attempts: 0, events: 2, deliveries: 2 });
    expect((await store.events.list(t.account.id, { limit: 100 })).data).toHaveLength(20);
  });

  test("retention examines a bounded window a call: old pending events cannot stall it", async () => {
    const store = await open();
    const t = await tenant(store);
    // 1,500 old events whose deliveries stay pending, then one old event with nothing pending.
    const pending = Array.from({ length: 1_500 }, (_, i) =>
      item(event(t.account.id, { created_at: T0 + i }), [t.webhook.id], T0 + 1e12),
    );
    for (let i = 0; i < pending.length; i += 500) await store.events.publish(pending.slice(i, i + 500));
    const done = event(t.account.id, { created_at: T0 + 5_000 });
    await store.events.publish([item(done, [])]);
    const removed: number[] = [];
    while ((await store.events.get(t.account.id, done.id)) !== undefined && removed.length < 10) {
      const r = await store.purge(T0 + 1_000_000, 10);
      removed.push(r.events + r.deliveries + r.attempts);
    }
    // The first call's window (1,000 events) holds only pending ones; the next reaches the old one.
    expect(removed).toEqual([0, 1]);
    expect(await store.events.get(t.account.id, pending[0]?.event.id ?? "")).toBeDefined();
  });

  test("figures refresh in the background", async () => {
    const store = await open({ figuresIntervalMs: 50 });
    expect(store.figures().pendingDeliveries).toBe(0);
    const before = store.figures().asOf;
    const t = await tenant(store);
    await store.events.publish(Array.from({ length: 7 }, () => item(event(t.account.id), [t.webhook.id])));
    const deadline = Date.now() + 5_000;
    while (store.figures().pendingDeliveries !== 7 && Date.now() < deadline) await Bun.sleep(20);
    expect(store.figures().pendingDeliveries).toBe(7);
    expect(store.figures().sizeBytes).toBeGreaterThan(0);
    expect(store.figures().asOf).toBeGreaterThan(before);
  });

  test("another replica's webhook change reaches cached reads within READ_CACHE_MS_MAX", async () => {
    const [a, b] = await Promise.all([open(), open()]);
    if (!a || !b) throw new Error("no store");
    const t = await tenant(a);
    expect((await a.webhooks.getById(t.webhook.id))?.enabled).toBe(true);
    expect(await a.webhooks.subscribers(t.account.id, "x")).toHaveLength(1);
    expect((await a.apiKeys.findActiveByHash(t.key.hash))?.id).toBe(t.key.id);
    await b.webhooks.update({ ...t.webhook, enabled: false, updated_at: T0 + 1 });
    await b.apiKeys.revoke(t.account.id, t.key.id, T0 + 1);
    // The writer sees its own change at once.
    expect((await b.webhooks.getById(t.webhook.id))?.enabled).toBe(false);
    await Bun.sleep(READ_CACHE_MS_MAX + 50);
    expect((await a.webhooks.getById(t.webhook.id))?.enabled).toBe(false);
    expect(await a.webhooks.subscribers(t.account.id, "x")).toEqual([]);
    expect(await a.apiKeys.findActiveByHash(t.key.hash)).toBeUndefined();
  });

  test("connections killed by the server: StoreUnavailableError at worst, then recovery without reopening", async () => {
    const store = await open({ replicaId: "victim" });
    const t = await tenant(store);
    await admin.unsafe(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
    );
    const errors: unknown[] = [];
    let ok = false;
    for (let i = 0; i < 50 && !ok; i++) {
      try {
        await publishOne(store, t);
        ok = true;
      } catch (error) {
        errors.push(error);
        await Bun.sleep(100);
      }
    }
    expect(ok).toBe(true);
    for (const error of errors) expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(store.health().writable).toBe(true);
  });
});

describe("postgres client: deadlines", () => {
  test("a statement with no answer within its deadline is StoreUnavailableError; the client goes on", async () => {
    const client = new PgClient({ url: db.url, poolMax: 2, logger: silentLogger, now: Date.now });
    try {
      const silent = await client.run("SELECT pg_sleep(2)", [], { deadlineMs: 100 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(silent).toBeInstanceOf(StoreUnavailableError);
      expect(client.health().reason).toBe("unavailable");
      expect(await client.run<{ one: number }>("SELECT 1 AS one")).toEqual([{ one: 1 }]);
      expect(client.health().writable).toBe(true);
    } finally {
      await client.close();
    }
  });
});

describe("postgres store: an unreachable server", () => {
  test("opening answers StoreUnavailableError", async () => {
    const error = await openPostgresStore({
      url: "postgres://postgres@127.0.0.1:1/none",
      logger: silentLogger,
      replicaId: "x",
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
  });
});
