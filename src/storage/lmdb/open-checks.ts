// What is checked before and right after the LMDB environment is opened, so that a damaged or foreign
// data file is refused before anything is written to it, and a new store is created only where there
// has never been one. Each refusal is a StoreDamagedError that says what is wrong.
//
//   data file        marker    outcome
//   missing          none      a new store (first start)
//   missing          present   refused: the store this directory held is gone
//   0 bytes          any       refused: LMDB would take it for a new store
//   fails the checks any       refused (./integrity.ts)
//   no schema yet    present   refused: an initialised store cannot be empty
//   id differs       present   refused: another store's data file (a wrong restore)
//
// Every refusal happens before the file is opened for writing: nothing is written to it.

import { randomUUID } from "node:crypto";
import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Database, open as openEnvironment } from "lmdb";
import { StoreDamagedError } from "../store";
import { checkDataFile } from "./integrity";
import type { Databases } from "./lmdb-databases";
import { SCHEMA_VERSION_KEY } from "./schema";
import { MARKER_FILE, STORE_ID_META, type StoreMarker, writeMarker } from "./store-marker";

/**
 * LMDB's own words for a damaged file, met when it reads a page the checks below did not. A page that
 * points nowhere is reported on stderr by LMDB and then fails the read's transaction (MDB_BAD_TXN):
 * in a start, where nothing else can have spoiled the transaction, that is damage too.
 */
const LMDB_DAMAGE =
  /MDB_CORRUPTED|MDB_PAGE_NOTFOUND|MDB_INVALID|MDB_BAD_TXN|points to a 00 page|page was wrong type/;

/**
 * The error a failed start should report: LMDB's corruption errors (damage below the pages checked
 * before opening) become StoreDamagedError, so that a supervisor sees exit code 3 and stops
 * restarting; anything else is answered unchanged.
 */
export function asStoreDamage(error: unknown, dataDir: string, dataFile: string): unknown {
  if (error instanceof StoreDamagedError || !(error instanceof Error) || !LMDB_DAMAGE.test(error.message)) {
    return error;
  }
  return new StoreDamagedError(resolve(dataDir, dataFile), `LMDB found it damaged (${error.message})`);
}

/** Checks the data file before LMDB maps it; answers whether it exists (false: a first start). */
export function checkBeforeOpen(dataDir: string, dataFile: string, marker: StoreMarker | undefined): boolean {
  const path = resolve(dataDir, dataFile);
  let bytes: number;
  try {
    bytes = statSync(path).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    if (marker) {
      throw new StoreDamagedError(
        path,
        `the data file is missing, but this directory holds store ${marker.store_id} ` +
          `(initialised ${marker.initialised_at}); to start an empty store instead, delete ${MARKER_FILE}`,
      );
    }
    return false;
  }
  if (bytes === 0) {
    throw new StoreDamagedError(
      path,
      "the data file is empty (0 bytes)" +
        (marker
          ? ""
          : "; if this directory never held data, delete the file and start again to create a new store"),
    );
  }
  checkDataFile(path, bytes);
  return true;
}

/**
 * Run before the store opens the file for writing (which would create its databases): refuses an empty
 * environment where the marker says a store was initialised, and a store whose id is not the marker's.
 * Reads through a read-only environment, so nothing is written to a file that is refused.
 */
export async function checkIdentity(
  dataDir: string,
  dataFile: string,
  marker: StoreMarker | undefined,
): Promise<void> {
  if (!marker) return;
  const found = await readIdentity(join(dataDir, dataFile));
  const path = resolve(dataDir, MARKER_FILE);
  if (found.schemaVersion === undefined) {
    throw new StoreDamagedError(
      path,
      `this directory holds store ${marker.store_id}, but the data file is a new, empty LMDB environment`,
    );
  }
  if (found.storeId !== marker.store_id) {
    throw new StoreDamagedError(
      path,
      `the data file is store ${found.storeId ?? "(without an id)"}, but this directory was initialised with ` +
        `store ${marker.store_id}; if you restored another store's backup on purpose, delete ${MARKER_FILE}`,
    );
  }
}

async function readIdentity(file: string): Promise<{ schemaVersion?: string; storeId?: string }> {
  const env = openEnvironment({ path: file, readOnly: true });
  try {
    // Undefined when the environment has no such database (read-only opening creates nothing).
    const meta = env.openDB<string, string>({ name: "meta", encoding: "json" }) as
      | Database<string, string>
      | undefined;
    return { schemaVersion: meta?.get(SCHEMA_VERSION_KEY), storeId: meta?.get(STORE_ID_META) };
  } finally {
    await env.close();
  }
}

/**
 * Gives the store an id if it has none (a new store, or one written before ids existed) and writes the
 * marker if the directory has none. Run once the schema is in place.
 */
export async function markInitialised(
  dbs: Databases,
  dataDir: string,
  marker: StoreMarker | undefined,
  now: number,
): Promise<void> {
  let storeId = dbs.meta.get(STORE_ID_META);
  if (storeId === undefined) {
    const id = randomUUID();
    dbs.root.transactionSync(() => dbs.meta.putSync(STORE_ID_META, id));
    storeId = id;
  }
  // The marker may name only an id that is on disk: else a crash between the two would leave a
  // directory whose marker disagrees with its data file, refused at the next start.
  await dbs.root.flushed;
  if (!marker) writeMarker(dataDir, { store_id: storeId, initialised_at: new Date(now).toISOString() });
}
