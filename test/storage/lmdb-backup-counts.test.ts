// The backup's summary counts the records of the current schema's tables (events are kept in
// ./src/storage/lmdb's EVENTS_TABLE since schema 3), read from the copy itself.

import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
