// The LMDB side of a transfer: the data directory opened exactly as a start opens it (its lock, the
// checks of its data file, schema upgrades; ../lmdb/lmdb-store.ts), so a directory that a running
// server holds is refused with StoreLockedError and a damaged one with StoreDamagedError, and the
// lock keeps a server from starting on it while the copy runs. A directory without a store is
// refused too, instead of being initialised as a new, empty one.

import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../../observability/logger";
import { DATA_FILE } from "../lmdb/lmdb-databases";
import { lmdbDatabasesOf, openLmdbStore } from "../lmdb/lmdb-store";
import { MARKER_FILE } from "../lmdb/store-marker";
import { type LmdbExport, lmdbExport } from "./lmdb-export";

/** The data directory holds no store (no data file and no marker): nothing to copy. */
export class NoStoreError extends Error {
  constructor(readonly dataDir: string) {
    super(
      `${dataDir} holds no store to copy (no ${DATA_FILE}); give the server's data directory with --data-dir`,
    );
    this.name = "NoStoreError";
  }
}

export interface LmdbSource {
  export: LmdbExport;
  /** Closes the store and releases the data directory's lock. */
  close(): Promise<void>;
}

export async function openLmdbSource(
  dataDir: string,
  logger: Logger,
  pageRecords?: number,
): Promise<LmdbSource> {
  if (!existsSync(join(dataDir, DATA_FILE)) && !existsSync(join(dataDir, MARKER_FILE))) {
    throw new NoStoreError(dataDir);
  }
  const store = await openLmdbStore({ dataDir, logger });
  const dbs = lmdbDatabasesOf(store);
  if (!dbs) throw new Error("the opened store is not an LMDB store");
  return { export: lmdbExport(dbs, pageRecords), close: () => store.close() };
}
