// What a data directory occupies on disk, for the benchmark's figures.

import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Bytes the files of `dir` occupy on disk (LMDB files are sparse, so not their length). */
export function diskBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? diskBytes(path) : statSync(path).blocks * 512;
  }
  return total;
}

/** Bytes on disk per event delivered to every webhook; null when none was. */
export function bytesPerEvent(bytes: number, deliveries: number, fanout: number): number | null {
  const events = Math.floor(deliveries / Math.max(1, fanout));
  return events > 0 ? Math.round(bytes / events) : null;
}
