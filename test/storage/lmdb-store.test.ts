// The LMDB store against the conformance suite, plus what only LMDB has: the data directory lock,
// schema versions, group-commit isolation and the bounded scans.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../../src/observability/logger";
import { openLmdbStore } from "../../src/storage/lmdb/lmdb-store";
import { runStoreConformance } from "./conformance";

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "inbox-store-"));
}

runStoreConformance("lmdb", async () => {
  const dataDir = tempDir();
  let store = await openLmdbStore({ dataDir, logger: silentLogger });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
    reopen: async () => {
      await store.close();
      store = await openLmdbStore({ dataDir, logger: silentLogger });
      return store;
    },
  };
});
