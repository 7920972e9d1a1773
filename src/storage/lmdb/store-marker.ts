// The "initialised" marker: a small file beside the data file, written once the store has been opened
// and given its id, that survives the data file's loss. With it, a missing, empty or foreign data file
// is told from a first start, so a damaged store is refused instead of silently replaced by a new one.
//
// The store id is kept twice: in the marker and in the store's meta table (`store_id`), so a backup
// carries it. A data file whose id differs from the marker's is another store's (a wrong restore).

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { StoreDamagedError } from "../store";

export const MARKER_FILE = "inbox.initialised";
export const STORE_ID_META = "store_id";

export interface StoreMarker {
  store_id: string;
  /** RFC 3339 time of the first start. */
  initialised_at: string;
}

/** The marker of `dataDir`, or undefined when it has none (a new directory or an older build's). */
export function readMarker(dataDir: string): StoreMarker | undefined {
  const path = join(dataDir, MARKER_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<StoreMarker>;
    if (typeof parsed.store_id === "string" && parsed.store_id !== "") {
      return { store_id: parsed.store_id, initialised_at: String(parsed.initialised_at ?? "") };
    }
  } catch {
    // reported below
  }
  throw new StoreDamagedError(path, "the marker file is unreadable (it should hold the store id as JSON)");
}

/** Writes the marker durably: a private file, flushed, renamed into place, and the directory flushed. */
export function writeMarker(dataDir: string, marker: StoreMarker): void {
  const path = join(dataDir, MARKER_FILE);
  const draft = `${path}.${process.pid}`;
  writeFileSync(draft, `${JSON.stringify(marker)}\n`, { mode: 0o644 });
  flushToDisk(draft);
  renameSync(draft, path);
  flushToDisk(dataDir);
}

/** fsync of a file or a directory (after a rename into it) by path. */
export function flushToDisk(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
