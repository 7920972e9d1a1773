// Both stores for engine tests: LMDB in a temp directory, or PostgreSQL in a schema of its own in
// this test file's database (scripts/lib/test-database.ts: the cluster `bun run test` started, or a
// private one for a file run alone); openTemp makes the temp directory too. Call storeKinds() at the
// top of a test file: it registers the database's set-up and tear-down.

import { afterAll, beforeAll } from "bun:test";
import { type TestDatabase, testDatabase } from "../../scripts/lib/test-database";
import { openLmdbStore } from "../../src/storage/lmdb/lmdb-store";
import { dropPostgresSchema, openPostgresStore } from "../../src/storage/postgres/pg-store";
import type { Store } from "../../src/storage/store";
import { silentLogger } from "../support/silent-logger";
import { tempDir } from "./store-fixtures";

export const STORE_KINDS = ["lmdb", "postgres"] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export interface OpenedStore {
  store: Store;
  /** Closes the store and removes what it held (the PostgreSQL schema). */
  close(): Promise<void>;
}

/** Where a test registers its teardown steps (test/support/cleanups.ts). */
interface Cleanups {
  push(step: () => Promise<void> | void): void;
}

export function storeKinds(): {
  open(kind: StoreKind, dataDir: string, now?: () => number): Promise<OpenedStore>;
  /** A store of `kind` over a fresh temp dir; `cleanups` closes it, then removes the dir. */
  openTemp(
    kind: StoreKind,
    cleanups: Cleanups,
    now?: () => number,
  ): Promise<{ store: Store; dir: ReturnType<typeof tempDir> }>;
} {
  let db: TestDatabase | undefined;
  let schemas = 0;
  beforeAll(async () => {
    db = await testDatabase();
  }, 60_000);
  afterAll(() => db?.close());
  const kinds: ReturnType<typeof storeKinds> = {
    async openTemp(kind, cleanups, now) {
      const dir = tempDir();
      cleanups.push(dir.remove);
      const { store, close } = await kinds.open(kind, dir.path, now);
      cleanups.push(close);
      return { store, dir };
    },
    async open(kind, dataDir, now) {
      if (kind === "lmdb") {
        const store = await openLmdbStore({ dataDir, logger: silentLogger, now });
        return { store, close: () => store.close() };
      }
      if (!db)
        throw new Error("storeKinds(): the test database is not ready (call it at the top of the file)");
      const { url } = db;
      const schema = `engine_${process.pid}_${++schemas}`;
      const store = await openPostgresStore({
        url,
        schema,
        poolMax: 4,
        logger: silentLogger,
        now,
        replicaId: "test",
      });
      return {
        store,
        async close() {
          await store.close();
          await dropPostgresSchema(url, schema);
        },
      };
    },
  };
  return kinds;
}
