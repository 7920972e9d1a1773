// Damage anywhere in the data file is reported as damage: each page of a healthy store is zeroed in
// turn (in a copy) and the copy opened the way the server starts, in a child process. Pages the
// checks before opening cover are refused by them; pages below the roots that the start reads
// make LMDB itself fail, which must be reported as a StoreDamagedError too (exit code 3, so that a
// supervisor stops restarting), never as another error; pages the start does not read open.

import { expect, test } from "bun:test";
import {
  closeSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DATA_FILE } from "../../src/storage/lmdb/lmdb-databases";
import { openLmdbStore } from "../../src/storage/lmdb/lmdb-store";
import { MARKER_FILE } from "../../src/storage/lmdb/store-marker";
import { silentLogger } from "../support/silent-logger";
import { publishOne, tenant } from "./fixtures";

const PAGE_BYTES = 4096;
const CHILD = join(import.meta.dir, "support", "open-like-start.ts");

/** A healthy store of about 75 pages: accounts, webhooks, events and deliveries. */
async function healthyStore(dataDir: string): Promise<number> {
  const store = await openLmdbStore({ dataDir, logger: silentLogger });
  for (let a = 0; a < 150; a++) {
    const t = await tenant(store);
    if (a % 50 === 0) for (let i = 0; i < 5; i++) await publishOne(store, t, { data: { i } });
  }
  await store.close();
  return statSync(join(dataDir, DATA_FILE)).size / PAGE_BYTES;
}

/** A copy of `source` with one page zeroed, opened as the start does: its exit code and stderr. */
function openWithPageZeroed(source: string, dir: string, page: number): { code: number; stderr: string } {
  mkdirSync(dir);
  copyFileSync(join(source, DATA_FILE), join(dir, DATA_FILE));
  copyFileSync(join(source, MARKER_FILE), join(dir, MARKER_FILE));
  const fd = openSync(join(dir, DATA_FILE), "r+");
  writeSync(fd, Buffer.alloc(PAGE_BYTES), 0, PAGE_BYTES, page * PAGE_BYTES);
  closeSync(fd);
  const child = Bun.spawnSync([process.execPath, CHILD, dir], { stderr: "pipe" });
  rmSync(dir, { recursive: true, force: true });
  return { code: child.signalCode ? -1 : (child.exitCode ?? -1), stderr: child.stderr.toString().trim() };
}

test("every zeroed page either opens or exits 3 as damage; none fails otherwise", async () => {
  const base = mkdtempSync(join(tmpdir(), "inbox-damage-pages-"));
  try {
    const source = join(base, "source");
    const pages = await healthyStore(source);
    const counts = new Map<number, number>();
    const otherErrors: string[] = [];
    for (let page = 2; page < pages; page++) {
      const { code, stderr } = openWithPageZeroed(source, join(base, `page-${page}`), page);
      counts.set(code, (counts.get(code) ?? 0) + 1);
      if (code !== 0 && code !== 3) otherErrors.push(`page ${page}: ${stderr}`);
    }
    expect(otherErrors).toEqual([]);
    // Both kinds happened, so the test exercised LMDB's own detection and the checks before opening.
    expect(counts.get(3) ?? 0).toBeGreaterThan(0);
    expect(counts.get(0) ?? 0).toBeGreaterThan(0);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}, 60_000);
