// One PostgreSQL database for one test file. Under `bun run test`, INBOX_TEST_DATABASE_URL names the cluster
// check.ts started (or any PostgreSQL server you point it at): a fresh database is created there and dropped
// by close(). A test file run alone (`bun test file`) gets a private cluster instead, stopped by close().
//
//   let db: TestDatabase;
//   beforeAll(async () => { db = await testDatabase(); });
//   afterAll(() => db.close());

import { SQL } from "bun";
import { startPostgres } from "./embedded-postgres";

export interface TestDatabase {
  /** Connection URL of a database that no other test file uses. */
  url: string;
  /** Drops the database (closing its connections first) or stops the private cluster. */
  close(): Promise<void>;
}

export const TEST_DATABASE_URL_ENV = "INBOX_TEST_DATABASE_URL";

/** `server`: the cluster to create the database in; default INBOX_TEST_DATABASE_URL, else a private cluster. */
export async function testDatabase(server = process.env[TEST_DATABASE_URL_ENV]): Promise<TestDatabase> {
  if (server === undefined || server === "") {
    const cluster = await startPostgres({ durable: false });
    return { url: cluster.url, close: cluster.stop };
  }
  const name = `inbox_test_${process.pid}_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await onServer(server, (sql) => sql.unsafe(`CREATE DATABASE ${name}`));
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    close: () => onServer(server, (sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

async function onServer(url: string, run: (sql: SQL) => Promise<unknown>): Promise<void> {
  const sql = new SQL({ url, max: 1 });
  try {
    await run(sql);
  } finally {
    await sql.close();
  }
}
