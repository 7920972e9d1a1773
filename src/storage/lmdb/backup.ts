// Online backup: a consistent, compacted copy of the store, made while the server runs. LMDB lets a
// second process read an environment that another one writes; the copy is LMDB's own (mdb_env_copy2
// with MDB_CP_COMPACT), taken inside one read transaction, so it is the state of one commit, whatever
// is being written meanwhile. No writer lock is taken: the server is not disturbed beyond the reads.
//
// Guarantees: the target is never an existing non-empty file; the copy is written to a private file
// beside it, checked page by page (./integrity.ts) and opened, then flushed and renamed into place, so
// the target either holds a complete, verified backup or does not exist.

import { renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { open as openEnvironment } from "lmdb";
import { StoreDamagedError } from "../store";
import { checkDataFile } from "./integrity";
import { DATA_FILE, EVENTS_TABLE } from "./lmdb-databases";
import { checkBeforeOpen } from "./open-checks";
import { SCHEMA_VERSION_KEY } from "./schema";
import { V2_EVENTS_TABLE } from "./schema-v2";
import { flushToDisk, readMarker, STORE_ID_META } from "./store-marker";

/** A backup that could not be made; the message says why. Nothing is left at the target. */
export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackupError";
  }
}

export interface BackupResult {
  /** Absolute path of the backup file. */
  path: string;
  bytes: number;
  /** Bytes of the live data file it was copied from (the copy is compacted, so usually smaller). */
  sourceBytes: number;
  storeId: string | undefined;
  schemaVersion: string | undefined;
  /** Records in the copy, by sub-database. */
  counts: { accounts: number; webhooks: number; events: number; deliveries: number };
}

/** Checks of a live file that disagree with themselves this many times in a row are damage. */
const LIVE_CHECK_TRIES = 3;
const LIVE_CHECK_GAP_MS = 100;

/**
 * checkBeforeOpen on a file a running server may be extending: its size is read before its meta
 * page, so a commit that grows the file in between looks like a truncation. Real damage stays
 * across tries; a growing file does not.
 */
async function checkLiveSource(dataDir: string): Promise<boolean> {
  for (let tries = 1; ; tries++) {
    try {
      return checkBeforeOpen(dataDir, DATA_FILE, readMarker(dataDir));
    } catch (error) {
      if (!(error instanceof StoreDamagedError) || tries >= LIVE_CHECK_TRIES) throw error;
      await Bun.sleep(LIVE_CHECK_GAP_MS);
    }
  }
}

/** Copies the store in `dataDir` to the new file `target`. Throws BackupError or StoreDamagedError. */
export async function backupStore(dataDir: string, target: string): Promise<BackupResult> {
  const path = resolve(target);
  refuseExisting(path);
  const source = join(dataDir, DATA_FILE);
  // A damaged source would crash this process as it would the server; a missing one is no store.
  if (!(await checkLiveSource(dataDir))) {
    throw new BackupError(`there is no store to back up: ${source} does not exist (check --data-dir)`);
  }
  const sourceBytes = statSync(source).size;
  const draft = join(dirname(path), `.${basename(path)}.partial-${process.pid}`);
  rmSync(draft, { force: true });
  try {
    const env = openEnvironment({ path: source, readOnly: true });
    try {
      await env.backup(draft, true);
    } finally {
      await env.close();
    }
    const bytes = statSync(draft).size;
    checkDataFile(draft, bytes, true);
    const described = await describe(draft);
    flushToDisk(draft);
    refuseExisting(path);
    renameSync(draft, path);
    flushToDisk(dirname(path));
    return { path, bytes, sourceBytes, ...described };
  } catch (error) {
    rmSync(draft, { force: true });
    rmSync(`${draft}-lock`, { force: true });
    throw error;
  }
}

function refuseExisting(path: string): void {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if (stat.isDirectory()) {
    throw new BackupError(
      `${path} is a directory; give the path of a new file, such as ${join(path, "inbox.mdb")}`,
    );
  }
  if (stat.size > 0) throw new BackupError(`${path} already exists; refusing to overwrite it`);
}

/** Opens the copy read-only: what it holds, and proof that LMDB accepts it. */
async function describe(file: string): Promise<Pick<BackupResult, "storeId" | "schemaVersion" | "counts">> {
  const env = openEnvironment({ path: file, readOnly: true, encoding: "json", maxDbs: 32 });
  try {
    // Entries in the first of `names` the copy has (a read-only open finds no missing table): a
    // store not yet opened by this build keeps its events in the table of its own schema version.
    const count = (...names: string[]): number => {
      for (const name of names) {
        const db = env.openDB({ name, encoding: "json" }) as ReturnType<typeof env.openDB> | undefined;
        if (db) return (db.getStats() as { entryCount: number }).entryCount;
      }
      return 0;
    };
    const meta = env.openDB<string, string>({ name: "meta", encoding: "json" });
    return {
      storeId: meta.get(STORE_ID_META),
      schemaVersion: meta.get(SCHEMA_VERSION_KEY),
      counts: {
        accounts: count("accounts"),
        webhooks: count("webhooks"),
        events: count(EVENTS_TABLE, V2_EVENTS_TABLE),
        deliveries: count("deliveries"),
      },
    };
  } finally {
    await env.close();
    // Opening made LMDB's lock file beside the copy; a backup is the one file.
    rmSync(`${file}-lock`, { force: true });
  }
}
