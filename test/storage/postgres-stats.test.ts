// What only the PostgreSQL stats have (issue 10 item 6; ./migrations/005-webhook-stats.ts): rollup
// rows sharded by the writing connection, summed by the reads; a record statement that waits for
// no other's rollup rows and, when failing_since does not change, not for the health row either;
// retention keeping the newest success and failure of the rows it deletes; two replicas recording
// one webhook's outcomes at once counting each.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { type TestDatabase, testDatabase } from "../../scripts/lib/test-database";
import { STATS_SHARDS } from "../../src/storage/postgres/migrations/005-webhook-stats";
import { dropPostgresSchema, openPostgresStore } from "../../src/storage/postgres/pg-store";
import { latencyBin, STATS_BUCKET_MS } from "../../src/storage/stats-rollup";
import type { Store } from "../../src/storage/store";
import { silentLogger } from "../support/silent-logger";
import { attempt, leaseRequest, publishOne, record, refOf, T0, type Tenant, tenant } from "./fixtures";

const H0 = Math.floor(T0 / STATS_BUCKET_MS) * STATS_BUCKET_MS;

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
const open = (poolMax: number) =>
  openPostgresStore({
    url: db.url,
    schema,
    poolMax,
    logger: silentLogger,
    replicaId: `r${opened.length}`,
  }).then((store) => {
    opened.push(store);
    return store;
  });

async function recordOne(store: Store, t: Tenant, outcome: "succeeded" | "failed", startedAt: number) {
  const { delivery } = await publishOne(store, t);
  const made = attempt(delivery, { outcome, started_at: startedAt, duration_ms: 40 });
  const result = await record(store, made, { status: outcome });
  expect(result.kind).toBe("recorded");
}

interface Row {
  shard: number;
  succeeded: string;
}

const rowsOf = (webhookId: string) =>
  admin.unsafe(
    `SELECT shard, succeeded FROM "${schema}".webhook_stats WHERE webhook_id = $1 ORDER BY shard`,
    [webhookId],
  ) as Promise<Row[]>;

describe("postgres store: webhook stats", () => {
  beforeAll(() => {
    schema = `stats_${process.pid}_${++serial}`;
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await dropPostgresSchema(db.url, schema);
    schema = `stats_${process.pid}_${++serial}`;
  });

  test("the rollup rows of every shard are summed, and the newest success and failure read from them", async () => {
    const store = await open(1);
    const t = await tenant(store);
    await recordOne(store, t, "succeeded", T0);
    const [own] = await rowsOf(t.webhook.id);
    if (!own) throw new Error("no rollup row");
    const bin = latencyBin(40);
    const others = [...Array(STATS_SHARDS).keys()].filter((s) => s !== own.shard);
    for (const [i, shard] of others.entries()) {
      await admin.unsafe(`INSERT INTO "${schema}".webhook_stats VALUES ($1, $2, $3, $4, 2, 1, $5, $6)`, [
        t.webhook.id,
        H0,
        i === 0 ? bin + 1 : bin,
        shard,
        T0 + 100 + shard,
        T0 - 100 - shard,
      ]);
    }
    const [bucket] = await store.stats.buckets(t.webhook.id, H0, H0 + STATS_BUCKET_MS);
    const n = others.length;
    expect(bucket).toMatchObject({ start: H0, attempts: 1 + 3 * n, succeeded: 1 + 2 * n, failed: n });
    expect(bucket?.latency[bin]).toBe(1 + 3 * (n - 1));
    expect(bucket?.latency[bin + 1]).toBe(3);
    expect(await store.stats.health(t.webhook.id)).toEqual({
      failing_since: null,
      last_success_at: T0 + 100 + Math.max(...others),
      last_failure_at: T0 - 100 - Math.min(...others),
    });
  });

  test("a record statement waits neither for other shards' rows nor, when failing_since stays, for the health row", async () => {
    const store = await open(1);
    const t = await tenant(store);
    await recordOne(store, t, "failed", T0);
    await recordOne(store, t, "succeeded", T0 + 1);
    const [own] = await rowsOf(t.webhook.id);
    if (!own) throw new Error("no rollup row");
    const others = [...Array(STATS_SHARDS).keys()].filter((s) => s !== own.shard);
    for (const shard of others) {
      await admin.unsafe(`INSERT INTO "${schema}".webhook_stats VALUES ($1, $2, $3, $4, 1, 0, $5, NULL)`, [
        t.webhook.id,
        H0,
        latencyBin(40),
        shard,
        T0,
      ]);
    }
    const healthy = await store.stats.health(t.webhook.id);
    expect(healthy.failing_since).toBeNull();
    await admin.begin(async (tx) => {
      // Held until the successes below are recorded: a statement that waited for them would hang.
      await tx.unsafe(`SELECT 1 FROM "${schema}".webhook_health WHERE webhook_id = $1 FOR UPDATE`, [
        t.webhook.id,
      ]);
      await tx.unsafe(
        `SELECT 1 FROM "${schema}".webhook_stats WHERE webhook_id = $1 AND shard <> $2 FOR UPDATE`,
        [t.webhook.id, own.shard],
      );
      const recording = (async () => {
        await recordOne(store, t, "succeeded", T0 + 2);
        await recordOne(store, t, "succeeded", T0 + 3);
      })();
      const timeout = new Promise((_, reject) =>
        setTimeout(() => reject(new Error("waited for a lock")), 5_000),
      );
      await Promise.race([recording, timeout]);
    });
    const [bucket] = await store.stats.buckets(t.webhook.id, H0, H0 + STATS_BUCKET_MS);
    expect(bucket).toMatchObject({ attempts: 4 + others.length, succeeded: 3 + others.length, failed: 1 });
    expect(await store.stats.health(t.webhook.id)).toEqual({
      failing_since: null,
      last_success_at: T0 + 3,
      last_failure_at: T0,
    });
  });

  test("retention keeps the newest success and failure of the rows it deletes in the health", async () => {
    const store = await open(2);
    const t = await tenant(store);
    await recordOne(store, t, "succeeded", H0 + 5);
    await recordOne(store, t, "failed", H0 + 7);
    await store.purge(H0 + 40 * 86_400_000, 1000);
    expect(await rowsOf(t.webhook.id)).toEqual([]);
    expect(await store.stats.buckets(t.webhook.id, 0, H0 + 50 * 86_400_000)).toEqual([]);
    expect(await store.stats.health(t.webhook.id)).toEqual({
      failing_since: H0 + 7,
      last_success_at: H0 + 5,
      last_failure_at: H0 + 7,
    });
    await recordOne(store, t, "succeeded", H0 + 6);
    expect(await store.stats.health(t.webhook.id)).toEqual({
      failing_since: null,
      last_success_at: H0 + 6,
      last_failure_at: H0 + 7,
    });
  });

  test("two replicas recording one webhook's outcomes at once count each; failing_since follows the batches", async () => {
    const [a, b] = [await open(3), await open(3)];
    const t = await tenant(a);
    const n = 40;
    for (let i = 0; i < n; i++) await publishOne(a, t);
    const leases = [
      ...(await a.work.lease(leaseRequest({ limit: n / 2 }))).map((lease) => ({ store: a, lease })),
      ...(await b.work.lease(leaseRequest({ limit: n / 2, owner: "replica-b" }))).map((lease) => ({
        store: b,
        lease,
      })),
    ];
    expect(leases).toHaveLength(n);
    await Promise.all(
      leases.map(({ store, lease }, i) =>
        store.deliveries.recordAttempt(
          attempt(lease.delivery, { outcome: "failed", started_at: T0 + i, duration_ms: 40 }),
          { status: "failed" },
          refOf(lease),
        ),
      ),
    );
    const [bucket] = await a.stats.buckets(t.webhook.id, H0, H0 + STATS_BUCKET_MS);
    expect(bucket).toMatchObject({ attempts: n, failed: n, succeeded: 0 });
    const health = await b.stats.health(t.webhook.id);
    expect(health.last_failure_at).toBe(T0 + n - 1);
    // One run of failures, started by whichever batch was written first.
    expect(health.failing_since).toBeGreaterThanOrEqual(T0);
    expect(health.failing_since).toBeLessThan(T0 + n);
  });
});
