// A damaged, missing or foreign data file is refused before LMDB maps it, and never taken for a first
// start: each case below crashed the process (SIGBUS, SIGSEGV) or silently started an empty store.

import { describe, expect, test } from "bun:test";
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { checkDataFile } from "../../src/storage/lmdb/integrity";
import { DATA_FILE } from "../../src/storage/lmdb/lmdb-databases";
import { openLmdbStore } from "../../src/storage/lmdb/lmdb-store";
import { MARKER_FILE, readMarker, STORE_ID_META } from "../../src/storage/lmdb/store-marker";
import { StoreDamagedError } from "../../src/storage/store";
import { silentLogger } from "../support/silent-logger";
import { publishOne, tenant } from "./fixtures";
import { tempDirsAfterEach } from "./support/temp-dirs";

const PAGE = 4096;
const tempDir = tempDirsAfterEach("inbox-integrity-");

/** A closed store with an account, a webhook and `events` events (each `bytes` of data). */
async function populatedStore(events = 20, bytes = 200): Promise<{ dataDir: string; file: string }> {
  const dataDir = tempDir();
  const store = await openLmdbStore({ dataDir, logger: silentLogger });
  const t = await tenant(store);
  for (let i = 0; i < events; i++) await publishOne(store, t, { data: { blob: "x".repeat(bytes), i } });
  await store.close();
  return { dataDir, file: join(dataDir, DATA_FILE) };
}

function zeroPages(file: string, first: number, count: number): void {
  const fd = openSync(file, "r+");
  try {
    writeSync(fd, Buffer.alloc(count * PAGE), 0, count * PAGE, first * PAGE);
  } finally {
    closeSync(fd);
  }
}

/** Opening must fail with StoreDamagedError matching `problem`, and leave the data file byte for byte. */
async function expectRefused(dataDir: string, problem: RegExp): Promise<StoreDamagedError> {
  const file = join(dataDir, DATA_FILE);
  const before = existsSync(file) ? readFileSync(file) : undefined;
  const error = await openLmdbStore({ dataDir, logger: silentLogger }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreDamagedError);
  expect((error as StoreDamagedError).problem).toMatch(problem);
  expect((error as Error).message).toContain("Restore the data file from a backup");
  if (before === undefined) expect(existsSync(file)).toBe(false);
  else expect(readFileSync(file).equals(before)).toBe(true);
  // The directory lock was released: the next attempt is refused for the same reason, not "in use".
  await expect(openLmdbStore({ dataDir, logger: silentLogger })).rejects.toBeInstanceOf(StoreDamagedError);
  return error as StoreDamagedError;
}

describe("the initialised marker", () => {
  test("a first start writes the marker with the store id that the store itself keeps", async () => {
    const dataDir = tempDir();
    const store = await openLmdbStore({ dataDir, logger: silentLogger });
    const marker = readMarker(dataDir);
    expect(marker?.store_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await store.meta.get(STORE_ID_META)).toBe(marker?.store_id as string);
    await store.close();
    // Reopening keeps both.
    const again = await openLmdbStore({ dataDir, logger: silentLogger });
    expect(await again.meta.get(STORE_ID_META)).toBe(marker?.store_id as string);
    await again.close();
    expect(readMarker(dataDir)).toEqual(marker);
  });

  test("a store written before markers existed is opened, and marked with an id of its own", async () => {
    const { dataDir } = await populatedStore(3);
    rmSync(join(dataDir, MARKER_FILE));
    const store = await openLmdbStore({ dataDir, logger: silentLogger });
    expect((await store.accounts.list({ limit: 10 })).data).toHaveLength(1);
    const id = await store.meta.get(STORE_ID_META);
    await store.close();
    expect(readMarker(dataDir)?.store_id).toBe(id as string);
  });
});

describe("a damaged data file is refused, never replaced", () => {
  test("a 0-byte data file in an initialised directory", async () => {
    const { dataDir, file } = await populatedStore();
    truncateSync(file, 0);
    await expectRefused(dataDir, /empty \(0 bytes\)/);
  });

  test("a 0-byte data file without a marker (an older build's directory) is refused too", async () => {
    const { dataDir, file } = await populatedStore();
    truncateSync(file, 0);
    rmSync(join(dataDir, MARKER_FILE));
    const error = await expectRefused(dataDir, /empty \(0 bytes\)/);
    expect(error.problem).toContain("delete the file");
  });

  test("a missing data file in an initialised directory", async () => {
    const { dataDir, file } = await populatedStore();
    rmSync(file);
    const error = await expectRefused(dataDir, /data file is missing/);
    expect(error.problem).toContain(readMarker(dataDir)?.store_id as string);
  });

  test("a file truncated below what its meta page records", async () => {
    const { dataDir, file } = await populatedStore(200);
    truncateSync(file, statSync(file).size - 3 * PAGE);
    await expectRefused(dataDir, /truncated: \d+ bytes, but its meta page records \d+/);
  });

  test("a file cut inside its meta pages", async () => {
    const { dataDir, file } = await populatedStore();
    truncateSync(file, 6000);
    await expectRefused(dataDir, /truncated|meta page/);
  });

  test("a large value whose overflow pages were cut off", async () => {
    // The last event (64 KB) is stored on overflow pages at the end of the file.
    const { dataDir, file } = await populatedStore(3, 64 * 1024);
    truncateSync(file, statSync(file).size - 2 * PAGE);
    await expectRefused(dataDir, /truncated/);
  });

  test("zeroed first pages (both meta pages)", async () => {
    const { dataDir, file } = await populatedStore();
    zeroPages(file, 0, 4);
    await expectRefused(dataDir, /first meta page \(page 0\)/);
  });

  test("a zeroed second meta page", async () => {
    const { dataDir, file } = await populatedStore();
    zeroPages(file, 1, 1);
    await expectRefused(dataDir, /second meta page \(page 1\)/);
  });

  test("a zeroed root page of a sub-database, named in the message", async () => {
    const { dataDir, file } = await populatedStore();
    const { meta } = checkDataFile(file, statSync(file).size);
    // Every page of the main database's tree and the roots it names are checked: zero them all but the
    // metas, one at a time, and each must be caught (the store is small, so this is every page).
    const pages = Number(meta.lastPage);
    const copy = readFileSync(file);
    let caught = 0;
    for (let pgno = 2; pgno <= pages; pgno++) {
      writeFileSync(file, copy);
      zeroPages(file, pgno, 1);
      try {
        checkDataFile(file, copy.length);
      } catch (error) {
        expect(error).toBeInstanceOf(StoreDamagedError);
        caught++;
      }
    }
    expect(caught).toBeGreaterThan(0);
    writeFileSync(file, copy);
    zeroPages(file, Number(meta.mainRoot), 1);
    await expectRefused(dataDir, new RegExp(`page ${meta.mainRoot} of the main database is not a tree page`));
  });

  test("another store's data file (a wrong restore) is refused by its id", async () => {
    const first = await populatedStore(2);
    const second = await populatedStore(2);
    writeFileSync(first.file, readFileSync(second.file));
    const error = await expectRefused(
      first.dataDir,
      /the data file is store .* but this directory was initialised/,
    );
    expect(error.problem).toContain(`delete ${MARKER_FILE}`);
  });

  test("a new, empty LMDB file where the marker says a store was initialised", async () => {
    const { dataDir, file } = await populatedStore(2);
    const fresh = tempDir();
    const store = await openLmdbStore({ dataDir: fresh, logger: silentLogger });
    await store.close();
    // A valid LMDB file with our databases but none of the store's meta: an empty environment.
    rmSync(file);
    const { open } = await import("lmdb");
    const env = open({ path: file });
    env.putSync("x", 1);
    await env.close();
    rmSync(`${file}-lock`, { force: true });
    await expectRefused(dataDir, /new, empty LMDB environment/);
  });
});

describe("an unreadable schema version", () => {
  test("is refused as damage, not reinterpreted", async () => {
    const { dataDir } = await populatedStore(1);
    const store = await openLmdbStore({ dataDir, logger: silentLogger });
    await store.meta.set("schema_version", "two");
    await store.close();
    const error = await openLmdbStore({ dataDir, logger: silentLogger }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreDamagedError);
    expect((error as StoreDamagedError).problem).toBe('its storage schema version is unreadable: "two"');
  });
});

describe("checks that must not refuse a healthy store", () => {
  test("every page of a store with many pages and large values passes the full walk", async () => {
    const { file } = await populatedStore(300, 3000);
    const large = await populatedStore(5, 100_000);
    for (const path of [file, join(large.dataDir, DATA_FILE)]) {
      const report = checkDataFile(path, statSync(path).size, true);
      expect(report.meta.lastPage).toBeGreaterThan(2n);
    }
  });

  test("a healthy store reopens with everything in it", async () => {
    const { dataDir } = await populatedStore(50);
    const store = await openLmdbStore({ dataDir, logger: silentLogger });
    expect((await store.accounts.list({ limit: 10 })).data).toHaveLength(1);
    expect(store.figures().pendingDeliveries).toBe(50);
    await store.close();
  });
});
