// A data directory written by the last release that stored schema version 3 (made by
// test/fixtures/lmdb-schema-v3/make-fixture.ts with that release's binary), holding deliveries that
// ended failed and cancelled, opens under schema 4, and every one of them is recoverable: the
// migration built the index recovery reads from the deliveries already stored.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openLmdbStore } from "../../src/storage/lmdb/lmdb-store";
import { CURRENT_SCHEMA_VERSION } from "../../src/storage/lmdb/schema";
import { PROGRESS_KEY } from "../../src/storage/lmdb/schema-v4";
import type { DeliveryStatus, RecoveryWindow } from "../../src/storage/records";
import type { Store } from "../../src/storage/store";
import { silentLogger } from "../support/silent-logger";

const FIXTURE = resolve(import.meta.dir, "../fixtures/lmdb-schema-v3");

interface Recorded {
  account: string;
  webhooks: { failing: string; cancelled: string; ok: string };
  deliveries: Array<{ id: string; webhook_id: string; status: DeliveryStatus; attempts: number }>;
}

const recorded = JSON.parse(readFileSync(join(FIXTURE, "deliveries.json"), "utf8")) as Recorded;
const dataDir = mkdtempSync(join(tmpdir(), "inbox-v3-fixture-"));
const EVER: RecoveryWindow = { since: 0, until: Date.now() };
let store: Store;

beforeAll(async () => {
  const untar = Bun.spawnSync(["tar", "-xzf", join(FIXTURE, "data.tar.gz"), "-C", dataDir]);
  if (untar.exitCode !== 0) throw new Error(`tar: ${untar.stderr.toString()}`);
  store = await openLmdbStore({ dataDir, logger: silentLogger });
});

afterAll(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test("the store is migrated to schema 4, the build's progress key gone", async () => {
  expect(CURRENT_SCHEMA_VERSION).toBe(4);
  expect(await store.meta.get("schema_version")).toBe("4");
  expect(await store.meta.get(PROGRESS_KEY)).toBeUndefined();
});

test("the fixture holds failed, cancelled and succeeded deliveries", () => {
  const statuses = new Set(recorded.deliveries.map((d) => d.status));
  expect([...statuses].sort()).toEqual(["cancelled", "failed", "succeeded"]);
});

test("every failed and cancelled delivery of the previous release is counted and recovered", async () => {
  for (const webhookId of Object.values(recorded.webhooks)) {
    const mine = recorded.deliveries.filter((d) => d.webhook_id === webhookId);
    const unsuccessful = mine.filter((d) => d.status === "failed" || d.status === "cancelled");
    const count = await store.deliveries.countRecoverable(recorded.account, webhookId, EVER, { limit: 100 });
    expect(count).toEqual({ count: unsuccessful.length, next: null });
    const due = Date.now();
    const batch = await store.deliveries.recover(recorded.account, webhookId, EVER, { limit: 100, due });
    if (batch.kind !== "recovered") throw new Error(`refused: ${batch.reason}`);
    expect(batch.deliveries.map((d) => d.id).sort()).toEqual(unsuccessful.map((d) => d.id).sort());
    for (const d of mine) {
      const now = await store.deliveries.getById(d.id);
      const wasUnsuccessful = unsuccessful.includes(d);
      expect(now?.status).toBe(wasUnsuccessful ? "pending" : d.status);
      expect(now?.attempts).toBe(d.attempts);
      if (wasUnsuccessful) expect(now?.retry_base ?? 0).toBe(d.attempts);
    }
  }
});
