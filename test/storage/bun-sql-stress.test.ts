// Guard for Bun's PostgreSQL client (`import { SQL } from "bun"`), which the PostgreSQL store relies on. Run it
// after every Bun upgrade. It checks the failure shapes reported upstream:
// - Bun #33627: with prepared statements, rows of one query handed to another under concurrency. Here a pool
//   of 2 connections carries 64 concurrent queries of different texts and parameter counts (and more distinct
//   texts than a connection's statement cache keeps), and every result is checked against its own query.
// - Bun #30947: a pool that stays broken after the server closes its connections. Here every connection is
//   terminated mid-load, several times, and queries must work again afterwards.
// - Arrays through `sql.unsafe(text, [array])` and `unnest`, as the store's batched writes use them.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { type TestDatabase, testDatabase } from "../../scripts/lib/test-database";

const POOL_MAX = 2;
const CONCURRENCY = 64;
const ROWS = 64;

/** A cluster start (run alone) and thousands of queries on a machine shared with other work: generous. */
const TIMEOUT_MS = 60_000;

let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase();
  await withClient({ prepare: false }, async (sql) => {
    await sql`CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL, tag text NOT NULL)`;
    await sql`INSERT INTO counters SELECT i, 0, '' FROM generate_series(0, ${ROWS - 1}::int) AS i`;
    await sql`CREATE TABLE items (id int PRIMARY KEY, label text)`;
  });
}, TIMEOUT_MS);

afterAll(() => db.close(), TIMEOUT_MS);

async function withClient<T>(options: { prepare: boolean }, run: (sql: SQL) => Promise<T>): Promise<T> {
  const sql = new SQL({ url: db.url, max: POOL_MAX, prepare: options.prepare, connectionTimeout: 5 });
  try {
    return await run(sql);
  } finally {
    await sql.close();
  }
}

/** A query and the check of its own result: null when the rows are exactly what that query must return. */
type Probe = (sql: SQL, i: number) => Promise<string | null>;

function same(label: string, rows: unknown, expected: unknown[]): string | null {
  const actual = JSON.stringify([...(rows as unknown[])]);
  return actual === JSON.stringify(expected)
    ? null
    : `${label}: got ${actual}, expected ${JSON.stringify(expected)}`;
}

/** What a query caught by pg_terminate_backend may fail with: the server's 57P01, or the closed socket. */
const CONNECTION_LOST = /57P01|ERR_POSTGRES_CONNECTION_CLOSED/;

/**
 * Six fixed texts with 1, 2, 3, 3, 2 and 2 parameters and different column sets, each echoing a token of its
 * own run, then one text new to every run. Every other run uses a new text: 1,000 runs bring 500 new texts,
 * more than the 1,024 a connection caches once a pool of 2 has run 4,000, so the cache evicts under load.
 */
const PROBES: Probe[] = [
  async (sql, i) => same("one", await sql`SELECT ${i}::int AS one`, [{ one: i }]),
  async (sql, i) =>
    same("pair", await sql`SELECT ${i}::int AS a, ${`t${i}`}::text AS b`, [{ a: i, b: `t${i}` }]),
  async (sql, i) =>
    same("sum", await sql`SELECT (${i}::int + ${1}::int + ${2}::int) AS sum, 'x' AS x`, [
      { sum: i + 3, x: "x" },
    ]),
  async (sql, i) => {
    const count = (i % 5) + 1;
    const rows =
      await sql`SELECT s AS s, ${`g${i}`}::text AS g, ${count}::int AS c FROM generate_series(1, ${count}::int) AS s`;
    const expected = Array.from({ length: count }, (_, k) => ({ s: k + 1, g: `g${i}`, c: count }));
    return same("series", rows, expected);
  },
  async (sql, i) => {
    const id = i % ROWS;
    const rows =
      await sql`UPDATE counters SET n = n + 1, tag = ${`u${i}`} WHERE id = ${id} RETURNING id, tag`;
    return same("update", rows, [{ id, tag: `u${i}` }]);
  },
  async (sql, i) => {
    const id = i % ROWS;
    return same("lookup", await sql`SELECT id AS key, ${`k${i}`}::text AS k FROM counters WHERE id = ${id}`, [
      { key: id, k: `k${i}` },
    ]);
  },
];
const distinctText: Probe = async (sql, i) =>
  same("distinct", await sql.unsafe(`SELECT $1::int AS v${i}`, [i]), [{ [`v${i}`]: i }]);

function probe(i: number): Probe {
  return i % 2 === 1 ? distinctText : (PROBES[(i >> 1) % PROBES.length] as Probe);
}

/** Runs `total` probes, CONCURRENCY at a time, through `sql`; answers the mismatches (and errors, if any). */
async function load(sql: SQL, total: number, from = 0): Promise<{ mismatches: string[]; errors: string[] }> {
  const mismatches: string[] = [];
  const errors: string[] = [];
  let next = from;
  const worker = async () => {
    while (next < from + total) {
      const i = next++;
      try {
        const problem = await probe(i)(sql, i);
        if (problem !== null) mismatches.push(problem);
      } catch (error) {
        const { code, errno } = error as { code?: string; errno?: string };
        errors.push(`${code} ${errno} ${String(error)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { mismatches, errors };
}

/** The same probes, each transaction running a batch of them concurrently on its one connection. */
async function loadInTransactions(sql: SQL, transactions: number, perTransaction: number) {
  const mismatches: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < transactions) {
      const base = next++ * perTransaction;
      const found = await sql.begin((tx) =>
        Promise.all(Array.from({ length: perTransaction }, (_, k) => probe(base + k)(tx, base + k))),
      );
      mismatches.push(...found.filter((p): p is string => p !== null));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return mismatches;
}

describe.each([true, false])("Bun SQL with prepare: %p, pool of 2, 64 concurrent queries", (prepare) => {
  test(
    "6,000 queries, 3,000 of them with a text of their own: every result is its own query's",
    async () => {
      const { mismatches, errors } = await withClient({ prepare }, (sql) => load(sql, 6_000));
      expect(errors).toEqual([]);
      expect(mismatches.slice(0, 5)).toEqual([]);
    },
    TIMEOUT_MS,
  );

  test(
    "4,000 queries in 500 transactions of 8 concurrent queries: every result is its own query's",
    async () => {
      const mismatches = await withClient({ prepare }, (sql) => loadInTransactions(sql, 500, 8));
      expect(mismatches.slice(0, 5)).toEqual([]);
    },
    TIMEOUT_MS,
  );

  test(
    "every connection terminated mid-load, three times: queries succeed again afterwards",
    async () => {
      await withClient({ prepare }, async (sql) => {
        for (let round = 0; round < 3; round++) {
          const running = load(sql, 2_000, round * 2_000);
          await Bun.sleep(30);
          const killed = await terminateClients();
          const during = await running;
          expect(killed).toBeGreaterThan(0);
          // Queries caught by the termination may fail, but none may return another query's rows.
          expect(during.mismatches.slice(0, 5)).toEqual([]);
          expect(during.errors.filter((e) => !CONNECTION_LOST.test(e)).slice(0, 3)).toEqual([]);
          const after = await load(sql, 500, 10_000 + round * 500);
          expect(after.errors.slice(0, 3)).toEqual([]);
          expect(after.mismatches.slice(0, 5)).toEqual([]);
        }
      });
    },
    TIMEOUT_MS,
  );

  test(
    "sql.unsafe with arrays through unnest: awkward texts, empty and large arrays",
    async () => {
      const labels = [
        "plain",
        "a,b",
        '"quoted"',
        "{braces}",
        "back\\slash",
        "NULL",
        "",
        " padded ",
        "é ü 💡",
        "x".repeat(300),
      ];
      const ids = Array.from({ length: 5_000 }, (_, k) => k);
      const texts = ids.map((k) => `${labels[k % labels.length]}#${k}`);
      await withClient({ prepare }, async (sql) => {
        await sql`TRUNCATE items`;
        const inserted = await sql.unsafe(
          "INSERT INTO items (id, label) SELECT * FROM unnest($1::int[], $2::text[]) RETURNING id",
          [ids, texts],
        );
        expect(inserted.length).toBe(ids.length);
        const rows = await sql.unsafe("SELECT id, label FROM items WHERE id = ANY($1::int[]) ORDER BY id", [
          ids,
        ]);
        expect([...rows]).toEqual(ids.map((id, k) => ({ id, label: texts[k] })));
        const empty = await sql.unsafe("SELECT x FROM unnest($1::int[], $2::text[]) AS t(x, y)", [[], []]);
        expect(empty.length).toBe(0);
        const echoed = await sql.unsafe("SELECT y FROM unnest($1::text[]) AS t(y)", [labels]);
        expect([...echoed].map((r) => (r as { y: string }).y)).toEqual(labels);
      });
    },
    TIMEOUT_MS,
  );
});

/** Terminates every other backend of the test database from a separate client; answers how many. */
async function terminateClients(): Promise<number> {
  const admin = new SQL({ url: db.url, max: 1 });
  try {
    const rows = await admin`
      SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`;
    return rows.length;
  } finally {
    await admin.close();
  }
}
