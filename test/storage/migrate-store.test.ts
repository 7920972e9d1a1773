// migrate-store: an LMDB data directory holding every kind of record in every state is copied to
// PostgreSQL (this file's database, scripts/lib/test-database.ts), and the PostgreSQL store then
// reads back, through the Store contract, exactly what the LMDB store reads: records, listings,
// event data to the byte (key order, big numbers, unicode), keys that authenticate, pending
// deliveries that are leasable. Then: a second run copies nothing, an interrupted run finishes when
// run again, and the command's refusals (a data directory in use, a damaged or missing store, bad
// arguments) exit with their codes, never showing the database password.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestDatabase, testDatabase } from "../../scripts/lib/test-database";
import { runMigrateStore } from "../../src/cli/migrate-store";
import { authenticateKey, generateAdminKey, hashApiKey, issueApiKey } from "../../src/domain/api-keys";
import { OPERATOR_ACCOUNT_ID } from "../../src/domain/operator";
import { openLmdbStore } from "../../src/storage/lmdb/lmdb-store";
import {
  dropPostgresSchema,
  openPostgresStore,
  refreshPostgresFigures,
} from "../../src/storage/postgres/pg-store";
import type { AttemptRecord, EventTypeRecord } from "../../src/storage/records";
import type { PublishItem, Store } from "../../src/storage/store";
import { openLmdbSource } from "../../src/storage/transfer/lmdb-source";
import { openPgTarget } from "../../src/storage/transfer/pg-target";
import { type TransferOptions, transferStore } from "../../src/storage/transfer/transfer";
import { silentLogger } from "../support/silent-logger";
import {
  account,
  allPages,
  attempt,
  event,
  FAR,
  item,
  LEASE_MS,
  OWNER,
  record,
  refOf,
  T0,
  webhook,
} from "./fixtures";

const META_KEYS = ["admin_key_hash", "bootstrapped_at", "setting with ünïcode"];

/**
 * Data that only survives a copy done byte for byte: key order, numbers as the API parsed them (the
 * big ones already rounded to a double, which must stay that double), unicode, escapes.
 */
const AWKWARD: unknown = JSON.parse(
  '{"z":1,"a":{"y":[1.5,1e-7,-2,null,true,false,""],"b":"😀 ü \\u0000 \\u0001 \\ud800 \\\\ \\" it\u2019s"},' +
    '"big":12345678901234567890,"max_safe":9007199254740993,"":"empty key",' +
    '"key with spaces":{"nested":{"deeper":[[],{}]}},"10":"an integer-like key"}',
);

interface Source {
  dataDir: string;
  adminKey: string;
  liveKey: string;
  revokedKey: string;
  otherKey: string;
  accountIds: string[];
  pendingIds: string[];
}

async function recordOn(store: Store, att: AttemptRecord, update: Parameters<typeof record>[2]) {
  const result = await record(store, att, update);
  if (result.kind !== "recorded") throw new Error(`not recorded: ${result.kind}`);
  return result.delivery;
}

const YEAR_2100 = Date.UTC(2100, 0, 1);

/** Admin key, two accounts with keys (one revoked) and webhooks (one to be disabled). */
async function seedAccess(store: Store) {
  const adminKey = generateAdminKey();
  await store.meta.set("admin_key_hash", hashApiKey(adminKey));
  await store.meta.set("bootstrapped_at", String(T0));
  await store.meta.set("setting with ünïcode", "vålue \u0000 with NUL");

  const a = account({ name: "Zoë 😀 \u0000 \ud800 café" });
  const live = issueApiKey(a.id, T0);
  await store.accounts.create(a, live.record);
  const revoked = issueApiKey(a.id, T0 + 1);
  await store.apiKeys.create(revoked.record);
  expect(await store.apiKeys.revoke(a.id, revoked.record.id, T0 + 2)).toBe(true);
  const b = account({ name: "second" });
  // A named, scoped, expiring key that has been used: every field is copied (issue 11 item 5).
  const other = issueApiKey(b.id, T0, { name: "ci ✓", scopes: ["publish"], expiresAt: YEAR_2100 });
  await store.accounts.create(b, other.record);
  await store.apiKeys.recordUse([{ account_id: b.id, id: other.record.id, at: T0 + 3 }]);

  const webhooks = [
    webhook(a.id, { description: "main ✓", events: ["order.créé", "message.*", "z", "a"] }),
    webhook(a.id, { url: "https://example.com/to-disable?x=1&y=ü" }),
    // Headers (names in their given order), a rate limit and channels are copied (issue 11).
    webhook(b.id, {
      events: ["*"],
      created_at: T0 + 5,
      updated_at: T0 + 6,
      headers: { "X-Tenant": "acme", Authorization: "Bearer rk_live_x", "x-empty": "" },
      rate_limit: 7,
      channels: ["tenant:acme", "eu-west"],
    }),
  ] as const;
  for (const wh of webhooks) await store.webhooks.create(wh);
  // One of the operator's (no account row): copied like the others.
  await store.webhooks.create(webhook(OPERATOR_ACCOUNT_ID, { events: ["webhook.disabled"] }));
  // One in a rotation's overlap: its previous secret and expiry are copied too.
  await store.webhooks.rotateSecret(
    a.id,
    webhooks[0].id,
    "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
    T0 + 86_400_000,
    T0 + 7,
  );
  // The operator's event types, one archived: schema and example copied as JSON, key order kept.
  const schema = { type: "object", required: ["z", "a"], properties: { z: { enum: ["é", 1e21] }, a: {} } };
  const cree: EventTypeRecord = {
    name: "order.cree",
    description: "Zoë \u0000 \ud800 ✓",
    schema,
    example: { z: "é", a: { n: 1.5e300, m: -0.000001 } },
    archived_at: null,
    revision: 1,
    created_at: T0,
    updated_at: T0,
  };
  await store.eventTypes.create(cree);
  await store.eventTypes.create({ ...cree, name: "order.old", example: null });
  await store.eventTypes.archive("order.old", T0 + 8);
  const keys = { adminKey, liveKey: live.apiKey, revokedKey: revoked.apiKey, otherKey: other.apiKey };
  return { keys, accountIds: [a.id, b.id], webhooks };
}

/** 24 events (so that every kind with many records spans several chunks); their deliveries' ids. */
async function seedEvents(store: Store, accountIds: string[], webhookIds: readonly string[]) {
  const [a = "", b = ""] = accountIds;
  const [wh1 = "", wh2 = "", wh3 = ""] = webhookIds;
  const items: PublishItem[] = [];
  for (let i = 0; i < 12; i++) {
    const ev = event(a, {
      created_at: T0 + i * 10,
      data: i === 0 ? AWKWARD : { i, s: `ü${i}` },
      // Some with channels (issue 11), copied in their order.
      ...(i % 4 === 1 ? { channels: ["tenant:acme", `c.${i}`] } : {}),
    });
    const fanOut = item(ev, [wh1, wh2], T0 + 1_000_000 + i);
    // An event's deliveries keep their order, even against their ids' order.
    if (i % 3 === 0) fanOut.deliveries.reverse();
    items.push(fanOut);
  }
  for (let i = 0; i < 12; i++) {
    const ev = event(b, {
      id: `publisher-key-${i} ✓`,
      type: "order.créé",
      created_at: T0 + 5,
      data: [i, "x"],
    });
    items.push(item(ev, [wh3], T0 + 2_000_000 + i));
  }
  const ids: string[] = [];
  for (const it of items) {
    const [published] = await store.events.publish([it]);
    ids.push(...(published?.deliveries.map((d) => d.id) ?? []));
  }
  return ids;
}

/** Deliveries in every state: succeeded, failed, pending after a failed attempt; and a test send. */
async function seedOutcomes(store: Store, deliveryIds: string[]) {
  const [succeeded = "", failed = "", retrying = ""] = deliveryIds.filter((_, i) => i % 2 === 0);
  const outcomes = [
    [succeeded, { status: "succeeded" }, { outcome: "succeeded", status_code: 200, error_class: null }],
    [failed, { status: "failed" }, {}],
    [retrying, { status: "pending", next_attempt_at: T0 + 3_000_000 }, {}],
  ] as const;
  for (const [id, update, outcome] of outcomes) {
    const delivery = await store.deliveries.getById(id);
    if (!delivery) throw new Error("missing delivery");
    await recordOn(store, attempt(delivery, { ...outcome, started_at: T0 + 500 }), update);
  }
  // The failed one is recovered (pending again, retry_base 1): its retry_base is copied too.
  const failedOne = await store.deliveries.getById(failed);
  if (!failedOne) throw new Error("missing delivery");
  const window = { since: 0, until: T0 + 10_000_000 };
  const batch = { limit: 10, due: T0 + 4_000_000 };
  await store.deliveries.recover(failedOne.account_id, failedOne.webhook_id, window, batch);
  const sample = await store.deliveries.getById(succeeded);
  if (!sample) throw new Error("missing delivery");
  await store.attempts.add({
    ...attempt(sample, { started_at: T0 + 900, attempt: 1, response_body: "test send ✓ \u0000" }),
    delivery_id: null,
    test: true,
  });
}

async function buildSource(): Promise<Source> {
  const dataDir = mkdtempSync(join(tmpdir(), "inbox-migrate-"));
  const store = await openLmdbStore({ dataDir, logger: silentLogger });
  const { keys, accountIds, webhooks } = await seedAccess(store);
  const deliveryIds = await seedEvents(
    store,
    accountIds,
    webhooks.map((w) => w.id),
  );
  await seedOutcomes(store, deliveryIds);
  // Disabled last (its reason and time are copied): its pending deliveries are cancelled.
  await store.webhooks.disable(webhooks[1].id, "gone", T0 + 7);
  const pendingIds: string[] = [];
  for (const id of deliveryIds) {
    if ((await store.deliveries.getById(id))?.status === "pending") pendingIds.push(id);
  }
  await store.close();
  return { dataDir, ...keys, accountIds, pendingIds };
}

/** Everything the Store contract shows of the source's accounts, listings paged in small pages. */
async function snapshot(store: Store, accountIds: string[]) {
  const meta = Object.fromEntries(
    await Promise.all(META_KEYS.map(async (k) => [k, await store.meta.get(k)])),
  );
  const accounts = (await allPages((cursor) => store.accounts.list({ limit: 1, cursor }))).flat();
  const perAccount = [];
  for (const id of accountIds) {
    const webhooks = (await allPages((cursor) => store.webhooks.list(id, { limit: 2, cursor }))).flat();
    const events = (await allPages((cursor) => store.events.list(id, { limit: 5, cursor }))).flat();
    const deliveries = [];
    for (const ev of events) {
      for (const dl of await store.deliveries.listForEvent(id, ev.id)) {
        deliveries.push({ dl, attempts: await store.attempts.listForDelivery(dl.id) });
      }
    }
    const logs = [];
    for (const wh of webhooks) {
      logs.push(
        (
          await allPages((cursor) => store.attempts.listForWebhook(id, wh.id, {}, { limit: 3, cursor }))
        ).flat(),
      );
    }
    perAccount.push({
      account: await store.accounts.get(id),
      keys: await store.apiKeys.listForAccount(id),
      webhooks,
      subscribers: await store.webhooks.subscribers(id, "order.créé"),
      events,
      deliveries,
      logs,
    });
  }
  const operatorWebhooks = (await store.webhooks.list(OPERATOR_ACCOUNT_ID, { limit: 10 })).data;
  const eventTypes = await store.eventTypes.list();
  return { meta, accounts, perAccount, operatorWebhooks, eventTypes };
}

let db: TestDatabase;
let source: Source;
let expected: Awaited<ReturnType<typeof snapshot>>;
let expectedPending = 0;

beforeAll(async () => {
  db = await testDatabase();
  source = await buildSource();
  const lmdb = await openLmdbStore({ dataDir: source.dataDir, logger: silentLogger });
  expected = await snapshot(lmdb, source.accountIds);
  expectedPending = lmdb.figures().pendingDeliveries;
  await lmdb.close();
}, 60_000);

afterAll(async () => {
  if (source) rmSync(source.dataDir, { recursive: true, force: true });
  await db?.close();
});

/** The command's output, kept instead of written. */
function captured() {
  const io = { stdout: "", stderr: "" };
  const sink = {
    out(text: string) {
      io.stdout += text;
    },
    err(text: string) {
      io.stderr += text;
    },
    now: () => performance.now(),
  };
  return { io, sink };
}

async function openPg(schema = "inbox"): Promise<Store> {
  return openPostgresStore({ url: db.url, schema, poolMax: 2, logger: silentLogger, replicaId: "test" });
}

/** transferStore between the source and a schema of this database, as the command runs it. */
async function transfer(schema: string, options: Partial<TransferOptions> = {}) {
  const from = await openLmdbSource(source.dataDir, silentLogger, 4);
  const to = await openPgTarget({ url: db.url, schema, logger: silentLogger, replicaId: "test" });
  try {
    return await transferStore({ source: from.export, target: to.import, ...options });
  } finally {
    await to.close();
    await from.close();
  }
}

describe("migrate-store", () => {
  test("copies every record: the PostgreSQL store reads back exactly what the LMDB store read", async () => {
    const { io, sink } = captured();
    const code = await runMigrateStore(["--to", db.url, "--data-dir", source.dataDir], {}, sink);
    expect(io.stderr).toBe("");
    expect(code).toBe(0);
    expect(io.stdout).toContain("Every kind has as many records in PostgreSQL as in the LMDB store");
    expect(io.stdout).toMatch(/events\s+24\s+24\s+0\s+24/);
    expect(io.stdout).toMatch(/attempts\s+4\s+4\s+0\s+4/);
    expect(io.stdout).toMatch(/event_types\s+2\s+2\s+0\s+2/);
    // Meta: the three above; the LMDB file's own schema version and store id stay behind.
    expect(io.stdout).toMatch(/meta\s+3\s+3\s+0\s+3/);

    const pg = await openPg();
    try {
      const actual = await snapshot(pg, source.accountIds);
      expect(actual).toEqual(expected);
      // Byte for byte, key order included (toEqual ignores key order).
      expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
      const awkward = actual.perAccount[0]?.events.find((e) => e.created_at === T0);
      expect(JSON.stringify(awkward?.data)).toBe(JSON.stringify(AWKWARD));
      expect(Object.keys(awkward?.data as object)).toEqual(Object.keys(AWKWARD as object));
      await refreshPostgresFigures(pg);
      expect(pg.figures().pendingDeliveries).toBe(expectedPending);
    } finally {
      await pg.close();
    }
  });

  test("keys still authenticate; a revoked key does not", async () => {
    const pg = await openPg();
    try {
      expect(await authenticateKey(pg, source.adminKey)).toEqual({ kind: "admin" });
      expect(await authenticateKey(pg, source.liveKey)).toMatchObject({
        kind: "account",
        accountId: source.accountIds[0],
      });
      expect(await authenticateKey(pg, source.otherKey)).toMatchObject({
        kind: "account",
        accountId: source.accountIds[1],
        scopes: ["publish"],
        expiresAt: YEAR_2100,
      });
      expect(await authenticateKey(pg, source.revokedKey)).toBeUndefined();
    } finally {
      await pg.close();
    }
  });

  test("a second run copies nothing and succeeds; a slow run reports progress on stderr", async () => {
    const { io, sink } = captured();
    // A clock that moves 3 s every time it is read: a progress line every other chunk.
    let clock = 0;
    sink.now = () => (clock += 3_000);
    expect(await runMigrateStore(["--to", db.url, `--data-dir=${source.dataDir}`], {}, sink)).toBe(0);
    expect(io.stdout).toMatch(/events\s+24\s+0\s+24\s+24/);
    const progress = io.stderr.split("\n").filter((line) => line !== "");
    expect(progress.length).toBeGreaterThan(0);
    for (const line of progress) {
      expect(line).toMatch(
        /^inbox-webhooks migrate-store: [a-z_]+: \d+ of \d+ \(0 copied, \d+ already there\), \d+ s$/,
      );
    }
    for (const line of io.stdout.split("\n").filter((l) => /^ {2}[a-z_]+\s+\d/.test(l))) {
      expect(line).toMatch(/^ {2}[a-z_]+\s+(\d+)\s+0\s+\1\s+\1$/);
    }
    const pg = await openPg();
    try {
      expect(await snapshot(pg, source.accountIds)).toEqual(expected);
    } finally {
      await pg.close();
    }
  });

  test("pending deliveries are due work on PostgreSQL: leasable, unleased, and their retries record", async () => {
    const pg = await openPg();
    try {
      const leases = await pg.work.lease({ owner: OWNER, until: FAR, limit: 1_000, leaseMs: LEASE_MS });
      expect(leases.map((l) => l.delivery.id).sort()).toEqual([...source.pendingIds].sort());
      expect(leases.every((l) => l.token === 1)).toBe(true);
      const lease = leases.find((l) => l.delivery.attempts === 1);
      if (!lease) throw new Error("the retrying delivery was not leased");
      const retry = attempt(lease.delivery, { attempt: 2, started_at: T0 + 3_000_001 });
      const result = await pg.deliveries.recordAttempt(
        retry,
        { status: "pending", next_attempt_at: FAR - 1 },
        refOf(lease),
      );
      expect(result).toMatchObject({ kind: "recorded", delivery: { attempts: 2, next_attempt_at: FAR - 1 } });
      expect((await pg.attempts.listForDelivery(lease.delivery.id)).map((a) => a.attempt)).toEqual([1, 2]);
      await pg.work.release(OWNER, leases.filter((l) => l !== lease).map(refOf));
    } finally {
      await pg.close();
    }
    // The database has moved on (one attempt more): a run now says which kind differs, and fails.
    const { io, sink } = captured();
    expect(await runMigrateStore(["--to", db.url, "--data-dir", source.dataDir], {}, sink)).toBe(1);
    expect(io.stderr).toContain("attempts: 4 in the source, 5 in the target");
    expect(io.stderr).not.toContain("events:");
  });

  test("an interrupted run, run again, ends with the same store", async () => {
    const schema = `resume_${process.pid}`;
    try {
      const first = await transfer(schema, { chunkRecords: 5, stopAfterChunks: 1 });
      expect(first.complete).toBe(false);
      const second = await transfer(schema, { chunkRecords: 5, stopAfterChunks: 4 });
      expect(second.complete).toBe(false);
      const copiedSoFar = Object.fromEntries(
        first.kinds.map((k, i) => [k.kind, k.copied + (second.kinds[i]?.copied ?? 0)]),
      );
      expect(copiedSoFar.accounts).toBeGreaterThan(0);
      const last = await transfer(schema, { chunkRecords: 5 });
      expect(last.complete).toBe(true);
      expect(last.problems).toEqual([]);
      for (const k of last.kinds) {
        expect(k.copied + k.skipped).toBe(k.source);
        expect(k.skipped).toBe(copiedSoFar[k.kind] as number);
        expect(k.target).toBe(k.source);
      }
      const pg = await openPg(schema);
      try {
        expect(JSON.stringify(await snapshot(pg, source.accountIds))).toBe(JSON.stringify(expected));
      } finally {
        await pg.close();
      }
    } finally {
      await dropPostgresSchema(db.url, schema);
    }
  });

  test("a chunk holds at most chunkRecords records and about chunkChars characters, never none", async () => {
    const schema = `chunks_${process.pid}`;
    try {
      const chunks: string[] = [];
      const bySize = await transfer(schema, { chunkChars: 1, onChunk: (p) => chunks.push(p.kind) });
      expect(bySize.problems).toEqual([]);
      // One record a chunk: a record larger than the limit still goes, alone.
      const total = bySize.kinds.reduce((n, k) => n + k.source, 0);
      expect(chunks).toHaveLength(total);
      const counted: string[] = [];
      const byCount = await transfer(schema, { chunkRecords: 10, onChunk: (p) => counted.push(p.kind) });
      const expectedChunks = byCount.kinds.reduce((n, k) => n + Math.ceil(k.source / 10), 0);
      expect(counted).toHaveLength(expectedChunks);
      expect(byCount.kinds.every((k) => k.copied === 0 && k.skipped === k.source)).toBe(true);
    } finally {
      await dropPostgresSchema(db.url, schema);
    }
  });

  test("a target with its own admin key and accounts: the copy says so and fails", async () => {
    const schema = `taken_${process.pid}`;
    try {
      const pg = await openPg(schema);
      await pg.meta.set("admin_key_hash", hashApiKey(generateAdminKey()));
      const extra = account();
      await pg.accounts.create(extra, issueApiKey(extra.id, T0).record);
      await pg.close();
      const result = await transfer(schema);
      expect(result.complete).toBe(true);
      expect(result.problems).toEqual([
        "accounts: 2 in the source, 3 in the target",
        "api_keys: 3 in the source, 4 in the target",
        'meta: "admin_key_hash" holds another value in the target',
      ]);
    } finally {
      await dropPostgresSchema(db.url, schema);
    }
  });

  test("a data directory in use by a server is refused, naming the lock", async () => {
    const running = await openLmdbStore({ dataDir: source.dataDir, logger: silentLogger });
    try {
      const { io, sink } = captured();
      expect(await runMigrateStore(["--to", db.url, "--data-dir", source.dataDir], {}, sink)).toBe(1);
      expect(io.stderr).toContain(
        `data directory ${source.dataDir} is in use by another process (pid ${process.pid})`,
      );
      expect(io.stderr).toContain("stop the server using it");
      expect(io.stdout).toBe("");
    } finally {
      await running.close();
    }
  });

  test("a damaged store exits 3, a directory without a store 1, and nothing is created", async () => {
    const dir = mkdtempSync(join(tmpdir(), "inbox-migrate-bad-"));
    try {
      const empty = captured();
      expect(await runMigrateStore(["--to", db.url, "--data-dir", dir], {}, empty.sink)).toBe(1);
      expect(empty.io.stderr).toContain(`${dir} holds no store to copy`);
      writeFileSync(join(dir, "inbox.mdb"), "");
      const damaged = captured();
      expect(await runMigrateStore(["--to", db.url, "--data-dir", dir], {}, damaged.sink)).toBe(3);
      expect(damaged.io.stderr).toContain("the data file is empty (0 bytes)");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an unreachable database fails without showing its password", async () => {
    const url = "postgres://inbox:s3cret-Passw0rd@127.0.0.1:1/inbox";
    const { io, sink } = captured();
    expect(await runMigrateStore(["--data-dir", source.dataDir], { INBOX_DATABASE_URL: url }, sink)).toBe(1);
    expect(io.stderr).toContain("inbox-webhooks migrate-store: failed:");
    expect(io.stderr + io.stdout).not.toContain("s3cret-Passw0rd");
  });
});
