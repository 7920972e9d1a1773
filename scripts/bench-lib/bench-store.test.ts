import { expect, test } from "bun:test";
import { SQL } from "bun";
import { LMDB_STORE, startBenchStore } from "./bench-store";

/** Starts a durable cluster and runs statements against it: generous on a shared machine. */
const TIMEOUT_MS = 60_000;

test("LMDB: no database of its own, nothing to measure apart from the server", async () => {
  const store = await startBenchStore({ postgres: false, statements: false, settings: {} }, () => {});
  expect(store).toBe(LMDB_STORE);
  expect(store.env(1)).toEqual({});
  expect(store.cpuSeconds()).toBeNull();
  expect(await store.windowFigures(10)).toEqual({});
});

test(
  "PostgreSQL: replica env, CPU, growth and per-delivery counters over a window of work",
  async () => {
    const settings = { work_mem: "8MB" };
    const store = await startBenchStore({ postgres: true, statements: true, settings }, () => {});
    try {
      const env = store.env(2);
      expect(env.INBOX_REPLICA_ID).toBe("r2");
      const url = env.INBOX_DATABASE_URL as string;
      expect(store.cpuSeconds()).toBeGreaterThan(0);
      const sql = new SQL({ url, max: 1 });
      try {
        expect((await sql`SHOW work_mem`)[0]).toEqual({ work_mem: "8MB" });
        await store.mark();
        await sql`CREATE TABLE t (id int PRIMARY KEY, pad text)`;
        for (let i = 0; i < 100; i++) await sql`INSERT INTO t VALUES (${i}, ${"x".repeat(1000)})`;
        await sql`SELECT count(*) FROM t WHERE pad <> ''`; // one sequential scan of 100 rows
      } finally {
        await sql.close(); // its statistics are flushed when the backend exits
      }
      await Bun.sleep(200);
      const figures = await store.windowFigures(100);
      expect(figures.postgres_commits_per_delivery as number).toBeGreaterThanOrEqual(1);
      expect(figures.postgres_wal_bytes_per_delivery as number).toBeGreaterThan(1000);
      expect(figures.postgres_seq_scan_rows_per_delivery as number).toBeGreaterThanOrEqual(1);
      const statements = figures.postgres_statements as { query: string; calls_per_delivery: number }[];
      expect(statements.find((s) => s.query.startsWith("INSERT INTO t"))?.calls_per_delivery).toBe(1);
      expect(await store.sizeBytes()).toBeGreaterThan(100_000);
    } finally {
      await store.stop();
    }
    expect(store.cpuSeconds()).toBeNull();
  },
  TIMEOUT_MS,
);
