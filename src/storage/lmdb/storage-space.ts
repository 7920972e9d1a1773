// Disk-full handling. Writes stop, cleanly, before the disk is full: every write transaction first
// asks the file system (statfs) how much space is free, and is refused with StoreFullError when less
// than the reserve (RESERVE_BYTES) is left. The reserve exists because LMDB must not run out of space
// itself: lmdb-js 3.5 fails such a commit (ENOSPC, or EIO after a short write) and rolls it back, but
// on the ENOSPC path it formats its error message into a 100-byte heap buffer that the message can
// overflow, which intermittently aborts the process (measured on a full tmpfs: "malloc(): invalid next
// size"). An ENOSPC, EDQUOT or map-full failure that still happens (another process filled the disk
// within the same instant) is turned into StoreFullError the same way.
//
// Guarantees: a refused write stored nothing, and its caller gets StoreFullError (so a publish
// answered with it was not accepted); "full" starts at the first refused write and ends once the
// file system has RESUME_BYTES free (more than the reserve, so the state does not flap), checked at
// every write and, while full, every PROBE_INTERVAL_MS, so it recovers with no traffic too. Each
// transition is logged once, at warn. A write that fails for space while statfs shows room (a disk
// quota, LMDB's map size) is no sign that freeing space helps: then "full" ends only when a write
// succeeds again, one write let through as a trial at most every PROBE_INTERVAL_MS, so the state
// and the log do not flap at every write.

import { statfsSync } from "node:fs";
import type { Logger } from "../../observability/logger";
import { StoreFullError, type StoreHealth } from "../store";

/** Writes are refused while the data directory's file system has less than this free. */
export const RESERVE_BYTES = 64 * 1024 * 1024;
/** Writes resume once this much is free again. */
export const RESUME_BYTES = RESERVE_BYTES + 16 * 1024 * 1024;
const PROBE_INTERVAL_MS = 5_000;

const ENOSPC = 28;
const EIO = 5;
const EDQUOT = 122;
/** LMDB's MDB_MAP_FULL: the map reached its size limit (lmdb-js normally grows it first). */
const MDB_MAP_FULL = -30792;

/** Whether `error`, thrown by an LMDB commit, means the disk, the quota or the map is full. */
export function isOutOfSpace(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (code === ENOSPC || code === EDQUOT || code === MDB_MAP_FULL) return true;
  if (code === "ENOSPC" || code === "EDQUOT") return true;
  return /No space left on device|Disk quota exceeded|MDB_MAP_FULL/.test(error.message);
}

/** LMDB answers a short write (the disk filled during a multi-page write) with EIO. */
function isShortWrite(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === EIO;
}

export interface SpaceMonitorOptions {
  dataDir: string;
  logger: Logger;
  /** Free bytes on the data directory's file system; statfs unless a test injects it. */
  freeBytes?: () => number;
  now?: () => number;
  /** Overrides RESERVE_BYTES; RESUME_BYTES keeps the same 16 MiB margin above it. */
  reserveBytes?: number;
  /** How often the state is checked while full; PROBE_INTERVAL_MS by default. */
  probeIntervalMs?: number;
}

export class SpaceMonitor {
  private full = false;
  /** Full because a write failed for space although statfs showed room (a quota, the map size). */
  private fullByFailure = false;
  private nextTrialAt = 0;
  private fullSince: number | undefined;
  private refusedWrites = 0;
  private refusedWhileFull = 0;
  private probeTimer: ReturnType<typeof setInterval> | undefined;
  private readonly freeBytes: () => number;
  private readonly now: () => number;
  private readonly reserveBytes: number;
  private readonly resumeBytes: number;
  private readonly probeIntervalMs: number;

  constructor(private readonly opts: SpaceMonitorOptions) {
    this.freeBytes = opts.freeBytes ?? (() => statfsFree(opts.dataDir));
    this.now = opts.now ?? Date.now;
    this.reserveBytes = opts.reserveBytes ?? RESERVE_BYTES;
    this.resumeBytes = this.reserveBytes + (RESUME_BYTES - RESERVE_BYTES);
    this.probeIntervalMs = opts.probeIntervalMs ?? PROBE_INTERVAL_MS;
  }

  /** The store's health as space makes it: not writable (reason "full") while writes are refused. */
  health(): StoreHealth {
    return {
      writable: !this.full,
      reason: this.full ? "full" : null,
      since: this.full ? this.fullSince : undefined,
      refusedWrites: this.refusedWrites,
    };
  }

  /** Runs one write transaction: answers its result, or throws StoreFullError for lack of space. */
  guard<T>(commit: () => T): T {
    const free = this.freeBytes();
    if (this.full && !this.fullByFailure && free >= this.resumeBytes) this.recover();
    if (free < this.reserveBytes || (this.full && !this.mayTry())) {
      throw this.refuse(`${free} bytes free, less than the ${this.reserveBytes}-byte reserve`);
    }
    try {
      const result = commit();
      if (this.full) this.recover();
      return result;
    } catch (error) {
      if (!isOutOfSpace(error) && !(isShortWrite(error) && this.freeBytes() < this.resumeBytes)) throw error;
      throw this.refuse(error instanceof Error ? error.message : String(error), error);
    }
  }

  /** While full for a failed write despite room on the disk: one trial write every probe interval. */
  private mayTry(): boolean {
    if (!this.fullByFailure || this.now() < this.nextTrialAt) return false;
    this.nextTrialAt = this.now() + this.probeIntervalMs;
    return true;
  }

  /** Stops the timer that checks the space while full (the store is closing). */
  close(): void {
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }

  private refuse(why: string, cause?: unknown): StoreFullError {
    this.refusedWrites++;
    if (this.full) {
      this.refusedWhileFull++;
    } else {
      this.full = true;
      // A failed write while statfs shows room: freeing space may not help (a quota, the map size).
      this.fullByFailure = cause !== undefined && this.freeBytes() >= this.reserveBytes;
      this.nextTrialAt = this.now() + this.probeIntervalMs;
      this.fullSince = this.now();
      this.refusedWhileFull = 1;
      this.opts.logger.warn("storage full: writes are refused until space is freed", {
        data_dir: this.opts.dataDir,
        reason: why,
        resume_at_free_bytes: this.resumeBytes,
      });
      this.probeTimer = setInterval(() => this.probe(), this.probeIntervalMs);
      this.probeTimer.unref?.();
    }
    return new StoreFullError(cause ?? why);
  }

  private probe(): void {
    if (this.full && !this.fullByFailure && this.freeBytes() >= this.resumeBytes) this.recover();
  }

  private recover(): void {
    const fullForMs = this.now() - (this.fullSince ?? this.now());
    this.full = false;
    this.fullByFailure = false;
    this.close();
    this.opts.logger.warn("storage writable again", {
      data_dir: this.opts.dataDir,
      full_for_ms: fullForMs,
      refused_writes: this.refusedWhileFull,
    });
  }
}

function statfsFree(dir: string): number {
  try {
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize;
  } catch {
    // Unknown: refuse nothing on a figure that cannot be read (the ENOSPC fallback still holds).
    return Number.POSITIVE_INFINITY;
  }
}
