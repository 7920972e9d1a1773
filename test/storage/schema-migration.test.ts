// A store written by schema version 1 (indexes beside the records) opens under the current version
// (through 2 and 3) with every record, link, queue entry and log intact. The version-1 layout is written here by hand, exactly as
// the version-1 build stored it.

import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { open } from "lmdb";
import { DATA_FILE } from "../../src/storage/lmdb/lmdb-databases";
import { openLmdbStore } from "../../src/storage/lmdb/lmdb-store";
import { CURRENT_SCHEMA_VERSION } from "../../src/storage/lmdb/schema";
import type { AttemptRecord } from "../../src/storage/records";
import { silentLogger } from "../support/silent-logger";
import { account, apiKey, attempt, delivery, dueEntries, event, record, T0, webhook } from "./fixtures";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

test("a version 1 store is migrated to the current version on open, losing nothing", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "inbox-migrate-"));
  dirs.push(dataDir);
  const acct = account();
  const key = apiKey(acct.id);
  const wh = webhook(acct.id);
  const done = event(acct.id, { created_at: T0 });
  const waiting = event(acct.id, { created_at: T0 + 10, type: "message.failed" });
  const doneDelivery = delivery(done, wh.id, {
    status: "succeeded",
    attempts: 2,
    next_attempt_at: null,
    last_attempt_at: T0 + 2_000,
    last_status_code: 200,
  });
  const waitingDelivery = delivery(waiting, wh.id, { attempts: 1, next_attempt_at: T0 + 60_000 });
  const tries: AttemptRecord[] = [
    attempt(doneDelivery, { attempt: 1, started_at: T0 + 1_000 }),
    attempt(doneDelivery, {
      attempt: 2,
      started_at: T0 + 2_000,
      outcome: "succeeded",
      status_code: 200,
      error_class: null,
      error_message: null,
    }),
    attempt(waitingDelivery, { attempt: 1, started_at: T0 + 3_000, event_type: "message.failed" }),
  ];

  const root = open({ path: join(dataDir, DATA_FILE), encoding: "json", overlappingSync: true, maxDbs: 24 });
  const db = (name: string) => root.openDB({ name, encoding: "json" });
  root.transactionSync(() => {
    db("meta").putSync("schema_version", "1");
    db("accounts").putSync(acct.id, acct);
    db("api_keys").putSync([acct.id, key.id], key);
    db("api_key_hashes").putSync(key.hash, [acct.id, key.id]);
    db("webhooks").putSync([acct.id, wh.id], wh);
    db("webhook_owners").putSync(wh.id, acct.id);
    for (const ev of [done, waiting]) {
      db("events").putSync([acct.id, ev.id], ev);
      db("event_index").putSync([acct.id, ev.created_at, ev.id], null);
      db("event_times").putSync([ev.created_at, acct.id, ev.id], null);
    }
    for (const d of [doneDelivery, waitingDelivery]) {
      db("deliveries").putSync(d.id, d);
      db("event_deliveries").putSync([acct.id, d.event_id, d.id], null);
    }
    db("queue").putSync([T0 + 60_000, waitingDelivery.id], null);
    db("pending_by_webhook").putSync([wh.id, waitingDelivery.id], T0 + 60_000);
    for (const a of tries) {
      db("attempts").putSync([a.started_at, a.id], a);
      db("attempts_by_delivery").putSync([a.delivery_id as string, a.started_at, a.id], null);
      db("attempts_by_webhook").putSync(
        [acct.id, wh.id, a.started_at, a.id],
        [a.outcome, a.event_type, a.event_id],
      );
    }
  });
  await root.close();

  const store = await openLmdbStore({ dataDir, logger: silentLogger });
  try {
    expect(await store.meta.get("schema_version")).toBe(String(CURRENT_SCHEMA_VERSION));
    expect(await store.events.get(acct.id, done.id)).toEqual(done);
    expect((await store.events.list(acct.id, { limit: 10 })).data).toEqual([waiting, done]);
    expect(await store.deliveries.listForEvent(acct.id, done.id)).toEqual([doneDelivery]);
    expect(await store.deliveries.get(acct.id, waitingDelivery.id)).toEqual(waitingDelivery);
    expect(await store.attempts.listForDelivery(doneDelivery.id)).toEqual(tries.slice(0, 2));
    expect((await store.attempts.listForWebhook(acct.id, wh.id, {}, { limit: 10 })).data).toEqual(
      [...tries].reverse(),
    );
    expect(
      (await store.attempts.listForWebhook(acct.id, wh.id, { outcome: "succeeded" }, { limit: 10 })).data,
    ).toEqual(tries.slice(1, 2));
    expect(await dueEntries(store, T0 + 60_001)).toEqual([
      { delivery_id: waitingDelivery.id, due: T0 + 60_000 },
    ]);
    expect(store.figures().pendingDeliveries).toBe(1);
    expect(await store.apiKeys.findActiveByHash(key.hash)).toEqual(key);

    // The links work on: a new attempt joins the delivery's list, and retention finds what is old.
    const next = attempt(waitingDelivery, { attempt: 2, started_at: T0 + 61_000, outcome: "succeeded" });
    expect(await record(store, next, { status: "succeeded" })).toMatchObject({ kind: "recorded" });
    expect((await store.attempts.listForDelivery(waitingDelivery.id)).map((a) => a.id)).toEqual([
      tries[2]?.id as string,
      next.id,
    ]);
    const purged = await store.purge(T0 + 100_000, 100);
    expect(purged).toEqual({ attempts: 4, events: 2, deliveries: 2 });
  } finally {
    await store.close();
  }

  // The version 1 indexes and the version 2 tables that version 3 replaced are gone from the file.
  const after = open({ path: join(dataDir, DATA_FILE), encoding: "json", overlappingSync: true, maxDbs: 24 });
  try {
    for (const name of [
      "event_times",
      "event_deliveries",
      "attempts",
      "attempts_by_delivery",
      "attempts_by_webhook",
      "events",
      "event_index",
      "webhook_attempts",
    ]) {
      expect(after.openDB({ name, encoding: "json", create: false } as never) ?? null).toBeNull();
    }
  } finally {
    await after.close();
  }
});
