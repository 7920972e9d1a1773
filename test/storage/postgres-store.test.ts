// The PostgreSQL store against the conformance suite: each test gets a schema of its own in this
// file's database (scripts/lib/test-database.ts), dropped after it.

import { afterAll, beforeAll } from "bun:test";
import { type TestDatabase, testDatabase } from "../../scripts/lib/test-database";
import {
  dropPostgresSchema,
  openPostgresStore,
  refreshPostgresFigures,
} from "../../src/storage/postgres/pg-store";
import { silentLogger } from "../support/silent-logger";
import { runStoreConformance } from "./conformance";

let db: TestDatabase;
beforeAll(async () => {
  db = await testDatabase();
});
afterAll(() => db?.close());

let serial = 0;

runStoreConformance("postgres", async (clock) => {
  const schema = `conf_${process.pid}_${++serial}`;
  const open = () =>
    openPostgresStore({
      url: db.url,
      schema,
      poolMax: 4,
      logger: silentLogger,
      now: clock.now,
      replicaId: "test",
    });
  let store = await open();
  return {
    store,
    cleanup: async () => {
      await store.close();
      await dropPostgresSchema(db.url, schema);
    },
    reopen: async () => {
      await store.close();
      store = await open();
      return store;
    },
    settleFigures: () => refreshPostgresFigures(store),
  };
});
