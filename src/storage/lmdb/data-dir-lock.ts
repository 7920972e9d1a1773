// Single writer per data directory. LMDB itself lets several processes open one environment, but
// this store keeps in-process state (group commit, retention position) that assumes it is the
// only writer, so a second process must be refused instead of sharing the files.
//
// The lock is a file created exclusively (link(2) fails when it exists) holding the owner's pid. A lock whose pid is no longer
// alive is stale (a crash) and is taken over. A lock holding this very pid that this process did
// not take is stale too: it is left by an earlier incarnation that had the same pid, as happens to
// pid 1 in a restarted container. Limits: two processes taking over the same stale lock in the
// same instant can both succeed; a dead owner's pid reused by an unrelated live process makes the
// lock look held (StoreLockedError names the pid, and the operator can remove the file).

import { linkSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { StoreLockedError } from "../store";

export const LOCK_FILE = "inbox.lock";

/** Lock files this process holds, so it can tell its own live locks from an earlier incarnation's. */
const heldByThisProcess = new Set<string>();

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

export function acquireDataDirLock(dataDir: string): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  // The pid is written to a private file first and then hard-linked into place, which fails when
  // the lock exists: nobody ever sees a lock file without its pid.
  const draft = `${path}.${process.pid}.${Date.now()}`;
  writeFileSync(draft, `${process.pid}\n`, { mode: 0o644 });
  try {
    for (let tries = 0; tries < 3; tries++) {
      try {
        createExclusive(draft, path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        const owner = readOwner(path);
        if (owner === "missing") continue; // released meanwhile
        if (owner === null || isLive(owner, path)) throw new StoreLockedError(dataDir, owner);
        removeStale(path);
        continue;
      }
      heldByThisProcess.add(path);
      return { path, release: () => release(path) };
    }
  } finally {
    removeStale(draft);
  }
  const owner = readOwner(path);
  throw new StoreLockedError(dataDir, typeof owner === "number" ? owner : null);
}

/** Links `draft` to `path`; on file systems without hard links, creates `path` with O_EXCL instead. */
function createExclusive(draft: string, path: string): void {
  try {
    linkSync(draft, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS") throw error;
    writeFileSync(path, `${process.pid}\n`, { flag: "wx", mode: 0o644 });
  }
}

function release(path: string): void {
  if (!heldByThisProcess.delete(path)) return;
  // Remove the file only while it is still ours.
  if (readOwner(path) === process.pid) removeStale(path);
}

/** The pid in the lock file; null when the file holds no pid (not ours to judge: treated as held). */
function readOwner(path: string): number | null | "missing" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw error;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

function isLive(pid: number, path: string): boolean {
  if (pid === process.pid) return heldByThisProcess.has(path);
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function removeStale(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}
