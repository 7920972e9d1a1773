import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DeliveryRecord } from "../records";
import { type Databases, openDatabases } from "./lmdb-databases";
import { indexUnsuccessfulDeliveries, PROGRESS_KEY, unsuccessfulIndexBuilt } from "./schema-v4";
import { writeDelivery } from "./stored-records";

const dirs: string[] = [];
const opened: Databases[] = [];
afterEach(async () => {
  for (const dbs of opened.splice(0)) await dbs.root.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function open(): Databases {
  const dir = mkdtempSync(join(tmpdir(), "inbox-v4-"));
  dirs.push(dir);
  const dbs = openDatabases(join(dir, "inbox.mdb"), undefined);
  opened.push(dbs);
  return dbs;
}

const STATUSES = ["pending", "succeeded", "failed", "cancelled"] as const;

function delivery(i: number): DeliveryRecord {
  const status = STATUSES[i % 4] as DeliveryRecord["status"];
  return {
    id: `dlv_${String(i).padStart(26, "0")}`,
    account_id: "acct_1",
    event_id: `evt_${i}`,
    event_type: "message.read",
    webhook_id: `wh_${i % 3}`,
    status,
    attempts: status === "pending" ? 0 : 2,
    next_attempt_at: status === "pending" ? 1_000 : null,
    created_at: 1_000 + i,
    updated_at: 1_000 + i,
    last_attempt_at: null,
    last_status_code: null,
    last_error: null,
  };
}

/** Runs steps of `entries` as upgradeSchema does, each in its own transaction, at most `max`. */
function steps(dbs: Databases, entries: number, max: number): boolean {
  for (let n = 0; n < max; n++) {
    const done = dbs.root.transactionSync(() => {
      indexUnsuccessfulDeliveries(dbs, entries);
      return unsuccessfulIndexBuilt(dbs);
    });
    if (done) return true;
  }
  return false;
}

test("the build indexes exactly the failed and cancelled deliveries, in bounded steps that resume", () => {
  const dbs = open();
  const all = Array.from({ length: 50 }, (_, i) => delivery(i));
  dbs.root.transactionSync(() => {
    for (const d of all) writeDelivery(dbs, { delivery: d, attempts: [] });
  });
  // Interrupted after two steps of 7: progress is kept, the index holds only what was read.
  expect(steps(dbs, 7, 2)).toBe(false);
  expect(dbs.meta.get(PROGRESS_KEY)).toBe(all[13]?.id);
  // Resumed (as at the next start) until done.
  expect(steps(dbs, 7, 100)).toBe(true);
  expect(dbs.meta.get(PROGRESS_KEY)).toBeUndefined();
  const expected = all
    .filter((d) => d.status === "failed" || d.status === "cancelled")
    .map((d) => [d.webhook_id, d.created_at, d.id])
    .sort((a, b) => String(a).localeCompare(String(b)));
  const keys = [...dbs.unsuccessful.getKeys()].map((k) => k as unknown[]);
  expect(keys.sort((a, b) => String(a).localeCompare(String(b)))).toEqual(expected);
});

test("an empty store is done in one step", () => {
  const dbs = open();
  expect(steps(dbs, 7, 1)).toBe(true);
  expect([...dbs.unsuccessful.getKeys()]).toEqual([]);
});
