// LMDB: the index of failed and cancelled deliveries (src/storage/lmdb/unsuccessful-index.ts) stays
// exact through a random mix of every write that moves a delivery (publish, outcomes, in-flight
// outcomes after a cancellation, manual retries, disables, re-enables, deletes, recoveries,
// retention): after each step it holds exactly the failed and cancelled deliveries, and the pending
// ones are exactly those in the queue and the pending-by-webhook index.

import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Databases } from "../../src/storage/lmdb/lmdb-databases";
import { lmdbDatabasesOf, openLmdbStore } from "../../src/storage/lmdb/lmdb-store";
import { deliveryAt } from "../../src/storage/lmdb/stored-records";
import type { DeliveryRecord, WebhookRecord } from "../../src/storage/records";
import type { Lease, Store } from "../../src/storage/store";
import { silentLogger } from "../support/silent-logger";
import { attempt, event, item, LEASE_MS, OWNER, refOf, T0, tenant, webhook } from "./fixtures";
import { TestClock } from "./store-context";

let dataDir = "";
let store: Store;
let dbs: Databases;
const clock = new TestClock();

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "inbox-unsuccessful-"));
  clock.set(T0);
  store = await openLmdbStore({ dataDir, logger: silentLogger, now: clock.now });
  const opened = lmdbDatabasesOf(store);
  if (!opened) throw new Error("no databases");
  dbs = opened;
});

afterEach(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A small deterministic generator, so that a failure can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

function allDeliveries(): DeliveryRecord[] {
  return [...dbs.deliveries.getRange()].map(
    ({ key, value }) => deliveryAt(dbs, key as string, value).delivery,
  );
}

function checkInvariants(step: string): void {
  const deliveries = allDeliveries();
  const expected = deliveries
    .filter((d) => d.status === "failed" || d.status === "cancelled")
    .map((d) => JSON.stringify([d.webhook_id, d.created_at, d.id]))
    .sort();
  const indexed = [...dbs.unsuccessful.getKeys()].map((k) => JSON.stringify(k)).sort();
  expect({ step, indexed }).toEqual({ step, indexed: expected });
  const pending = deliveries
    .filter((d) => d.status === "pending")
    .map((d) => d.id)
    .sort();
  const queued = [...dbs.queue.getKeys()].map((k) => (k as [number, string])[1]).sort();
  const byWebhook = [...dbs.pendingByWebhook.getKeys()].map((k) => (k as [string, string])[1]).sort();
  expect({ step, queued, byWebhook }).toEqual({ step, queued: pending, byWebhook: pending });
}

/** What one random step may act on. */
interface World {
  accountId: string;
  hooks: WebhookRecord[];
  inFlight: Lease[];
  after: string | undefined;
  rnd: () => number;
}

const pick = <T>(rnd: () => number, xs: T[]): T | undefined => xs[Math.floor(rnd() * xs.length)];
const liveHooks = (w: World) => w.hooks.filter((h) => dbs.webhooks.get([w.accountId, h.id]) !== undefined);
const ofAccount = (w: World) => allDeliveries().filter((d) => d.account_id === w.accountId);

async function publish(w: World, now: number): Promise<void> {
  const ids = liveHooks(w)
    .filter(() => w.rnd() < 0.7)
    .map((h) => h.id);
  await store.events.publish([item(event(w.accountId, { created_at: now }), ids, now)]);
}

async function lease(w: World, now: number): Promise<void> {
  w.inFlight.push(...(await store.work.lease({ owner: OWNER, until: now + 1, limit: 3, leaseMs: LEASE_MS })));
}

/** An outcome of a leased delivery, possibly cancelled, retried or recovered since. */
async function recordOne(w: World, now: number): Promise<void> {
  const lease = w.inFlight.splice(Math.floor(w.rnd() * w.inFlight.length), 1)[0];
  if (!lease) return;
  const o = w.rnd();
  const update =
    o < 0.4
      ? { status: "pending" as const, next_attempt_at: now }
      : o < 0.8
        ? { status: "failed" as const }
        : { status: "succeeded" as const };
  const outcome = update.status === "succeeded" ? "succeeded" : "failed";
  await store.deliveries.recordAttempt(
    attempt(lease.delivery, { started_at: now, outcome }),
    update,
    refOf(lease),
  );
}

async function retry(w: World, now: number): Promise<void> {
  const d = pick(w.rnd, ofAccount(w));
  if (d) await store.deliveries.reschedule(w.accountId, d.id, now);
}

async function disable(w: World, now: number): Promise<void> {
  const hook = pick(w.rnd, liveHooks(w));
  if (hook) await store.webhooks.disable(hook.id, "failing", now);
}

async function enable(w: World, now: number): Promise<void> {
  const hook = pick(w.rnd, liveHooks(w));
  if (!hook) return;
  const stored = dbs.webhooks.get([w.accountId, hook.id]) as WebhookRecord;
  await store.webhooks.update({ ...stored, enabled: true, updated_at: now });
}

async function recover(w: World, now: number): Promise<void> {
  const hook = pick(w.rnd, liveHooks(w));
  if (!hook) return;
  const after = w.rnd() < 0.5 ? w.after : undefined;
  const batch = await store.deliveries.recover(
    w.accountId,
    hook.id,
    { since: T0, until: now + 1 },
    { after, limit: 2, due: now },
  );
  if (batch.kind === "recovered") w.after = batch.next ?? undefined;
}

async function purge(_w: World, now: number): Promise<void> {
  await store.purge(now - 20_000, 5);
}

async function deleteOne(w: World): Promise<void> {
  const live = liveHooks(w);
  const hook = pick(w.rnd, live);
  if (hook && live.length > 1) await store.webhooks.delete(w.accountId, hook.id);
}

/** Each step's operation by cumulative weight. */
const STEPS: Array<[number, string, (w: World, now: number) => Promise<void>]> = [
  [0.25, "publish", publish],
  [0.45, "lease", lease],
  [0.65, "record", recordOne],
  [0.72, "retry", retry],
  [0.79, "disable", disable],
  [0.86, "enable", enable],
  [0.95, "recover", recover],
  [0.985, "purge", purge],
  [1, "delete", deleteOne],
];

test("the index holds exactly the failed and cancelled deliveries through random writes", async () => {
  for (const seed of [1, 2, 3]) {
    const t = await tenant(store);
    const second = webhook(t.account.id);
    await store.webhooks.create(second);
    const w: World = {
      accountId: t.account.id,
      hooks: [t.webhook, second],
      inFlight: [],
      after: undefined,
      rnd: random(seed),
    };
    for (let i = 0; i < 200; i++) {
      clock.advance(1_000);
      const r = w.rnd();
      const [, name, step] = STEPS.find(([upTo]) => r < upTo) ?? (STEPS.at(-1) as (typeof STEPS)[number]);
      await step(w, clock.now());
      checkInvariants(`seed ${seed} step ${i} ${name}`);
    }
  }
}, 120_000);
