// The backup's summary counts the records of the current schema's tables (events are kept in
// ./src/storage/lmdb's EVENTS_TABLE since schema 3), read from the copy itself.

import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { backupStore } from "../../src/storage/lmdb/backup";
import { openLmdbStore } from "../../src/storage/lmdb/lmdb-store";
import { CURRENT_SCHEMA_VERSION } from "../../src/storage/lmdb/schema";
import { silentLogger } from "../support/silent-logger";
import { publishOne, tenant } from "./fixtures";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

test("a backup counts the events, deliveries, webhooks and accounts it holds", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "inbox-backup-counts-"));
  const out = mkdtempSync(join(tmpdir(), "inbox-backup-out-"));
  dirs.push(dataDir, out);
  const store = await openLmdbStore({ dataDir, logger: silentLogger });
  try {
    const t = await tenant(store);
    for (let i = 0; i < 3; i++) await publishOne(store, t);
  } finally {
    await store.close();
  }
  const result = await backupStore(dataDir, join(out, "copy.mdb"));
  expect(result.schemaVersion).toBe(String(CURRENT_SCHEMA_VERSION));
  expect(result.counts).toEqual({ accounts: 1, webhooks: 1, events: 3, deliveries: 3 });
});

test("a backup of a store not yet opened by this build (schema 2) counts its events too", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "inbox-backup-v2-"));
  const out = mkdtempSync(join(tmpdir(), "inbox-backup-v2-out-"));
  dirs.push(dataDir, out);
  const fixture = resolve(import.meta.dir, "../fixtures/lmdb-schema-v2/data.tar.gz");
  const untar = Bun.spawnSync(["tar", "-xzf", fixture, "-C", dataDir]);
  if (untar.exitCode !== 0) throw new Error(`tar: ${untar.stderr.toString()}`);
  // As a server of the previous release runs it: the backup copies the file as it is.
  const before = await backupStore(dataDir, join(out, "before.mdb"));
  expect(before.schemaVersion).toBe("2");
  // The same records, counted again once this build has migrated them.
  await (await openLmdbStore({ dataDir, logger: silentLogger })).close();
  const after = await backupStore(dataDir, join(out, "after.mdb"));
  expect(after.schemaVersion).toBe(String(CURRENT_SCHEMA_VERSION));
  expect(after.counts.events).toBeGreaterThan(0);
  expect(before.counts).toEqual(after.counts);
});
