// The plans of the PostgreSQL store's hot statements (src/storage/postgres/pg-context.ts, clockCte):
// custom plans while the statistics of a large table (deliveries, events, attempts) say it is
// small, cached plans once they say each is large, and then a cached plan reaches deliveries by key, never by a sequential scan.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { type TestDatabase, testDatabase } from "../../scripts/lib/test-database";
import { GENERIC_PLANS_ROWS_MIN, largeTableOids } from "../../src/storage/postgres/pg-context";
import {
  dropPostgresSchema,
  openPostgresStore,
  refreshPostgresFigures,
} from "../../src/storage/postgres/pg-store";
import { recordStatement } from "../../src/storage/postgres/write-statement";
import { silentLogger } from "../support/silent-logger";

let db: TestDatabase;
let sql: SQL;
const schema = `plans_${process.pid}`;
const s = `"${schema}"`;

beforeAll(async () => {
  db = await testDatabase();
  const store = await openPostgresStore({ url: db.url, schema, logger: silentLogger, replicaId: "test" });
  await store.close();
  // One connection, statements prepared as the store's are: its session is the one observed.
  sql = new SQL({ url: db.url, max: 1, prepare: true });
});

afterAll(async () => {
  await sql?.close();
  if (db) await dropPostgresSchema(db.url, schema);
  await db?.close();
});

/** The record statement's parameters for `n` outcomes of deliveries that do not exist. */
function recordParams(n: number): unknown[] {
  const of = (v: unknown) => Array.from({ length: n }, () => v);
  const ids = Array.from({ length: n }, (_, i) => `nope_${i}`);
  return [
    null,
    of(1),
    of("succeeded"),
    of(null),
    of(1),
    of(null),
    of(null),
    of(null),
    of(0),
    of(0),
    ids.map((id) => `att_${id}`),
    of("a"),
    of("w"),
    ids,
    of("e"),
    of("t"),
    of(1),
    of(1),
    of(1),
    of("succeeded"),
    of(200),
    of(null),
    of(null),
    of(null),
    of(false),
  ];
}

async function runRecord(times: number): Promise<void> {
  for (let i = 0; i < times; i++) await sql.unsafe(recordStatement(s), recordParams(3));
}

async function session(): Promise<{ mode: string; generic: number; custom: number }> {
  const [row] = await sql.unsafe(
    `SELECT current_setting('plan_cache_mode') AS mode, p.generic_plans AS generic, p.custom_plans AS custom
     FROM pg_prepared_statements p WHERE p.statement = $1`,
    [recordStatement(s)],
  );
  return { mode: row.mode, generic: Number(row.generic), custom: Number(row.custom) };
}

async function insertRows(from: number, to: number): Promise<void> {
  await sql.unsafe(
    `INSERT INTO ${s}.events (account_id, id, type, created_at, data)
     SELECT 'a', 'e' || g, 't', 0, NULL FROM generate_series($1::int, $2::int) g`,
    [from, to],
  );
  await sql.unsafe(
    `INSERT INTO ${s}.attempts (id, account_id, webhook_id, delivery_id, event_id, event_type, attempt, started_at,
       duration_ms, outcome, test)
     SELECT 'att' || g, 'a', 'w', 'd' || g, 'e' || g, 't', 1, 0, 1, 'succeeded', false
     FROM generate_series($1::int, $2::int) g`,
    [from, to],
  );
  await sql.unsafe(
    `INSERT INTO ${s}.deliveries (id, account_id, event_id, event_type, webhook_id, position, status, attempts,
       created_at, updated_at)
     SELECT 'd' || g, 'a', 'e' || g, 't', 'w', 0, 'succeeded', 1, 0, 0 FROM generate_series($1::int, $2::int) g`,
    [from, to],
  );
}

describe("hot statement plans on PostgreSQL", () => {
  test("a small or unanalyzed deliveries table: every run is planned afresh, even one that touches no row", async () => {
    await insertRows(1, 50);
    await runRecord(8);
    expect(await session()).toEqual({ mode: "force_custom_plan", generic: 0, custom: 8 });
  });

  test("statistics that count the threshold: the plan is cached, and it finds deliveries by key", async () => {
    await insertRows(51, GENERIC_PLANS_ROWS_MIN + 100);
    // This session's row counts reach the statistics views at its next report (at most once a second).
    await sql.unsafe("SELECT pg_stat_force_next_flush()");
    await sql.unsafe("SELECT 1");
    // The figures refresh analyzes the grown table (autovacuum would only within a minute).
    const store = await openPostgresStore({ url: db.url, schema, logger: silentLogger, replicaId: "test" });
    await refreshPostgresFigures(store);
    await store.close();
    const stats = await sql.unsafe(
      `SELECT min(reltuples) AS rows FROM pg_class WHERE oid IN (${largeTableOids(s)})`,
    );
    expect(Number(stats[0].rows)).toBeGreaterThanOrEqual(GENERIC_PLANS_ROWS_MIN);

    await runRecord(8);
    const after = await session();
    expect(after.mode).toBe("force_generic_plan");
    expect(after.generic).toBeGreaterThan(0);

    await sql.unsafe("SET plan_cache_mode = force_generic_plan");
    await sql.unsafe(`PREPARE plans_probe AS ${recordStatement(s)}`);
    const nulls = recordParams(0)
      .map(() => "NULL")
      .join(", ");
    const plan = (await sql.unsafe(`EXPLAIN EXECUTE plans_probe(${nulls})`).simple())
      .map((r: Record<string, string>) => r["QUERY PLAN"])
      .join("\n");
    await sql.unsafe("DEALLOCATE plans_probe");
    expect(plan).toContain("Index Scan using deliveries_pkey");
    expect(plan).not.toContain("Seq Scan on deliveries");
  });
});
