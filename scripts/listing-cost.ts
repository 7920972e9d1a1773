// `bun run scripts/listing-cost.ts [--store lmdb|postgres] [--deliveries 1000000]`: what a page of
// GET /v1/deliveries costs in a store holding a million deliveries. Fills a fresh store directly
// through the store API (no HTTP, no engine): three accounts; the measured one has four webhooks
// and about 80% of the deliveries over 30 days, with event types and statuses in realistic
// proportions (message.action 2% of events, 2% of deliveries failed, 300 pending to one webhook).
// Then, for each filter shape, times the first page and a deep page (a cursor in the middle of the
// history), limit 100, as the median of 5 runs of DeliveryRepository.list (the server's work for
// the request, less JSON), and on LMDB counts the entries the page examined. For the rare filters
// it also follows the cursors to the end: pages and total time to list every match.
// PostgreSQL runs on a private embedded cluster (scripts/lib/embedded-postgres.ts) unless
// INBOX_TEST_DATABASE_URL names a server.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { newId } from "../src/domain/ids";
import { encodePosition } from "../src/storage/lmdb/delivery-listing";
import { listDeliveries } from "../src/storage/lmdb/list-deliveries";
import { lmdbDatabasesOf, openLmdbStore } from "../src/storage/lmdb/lmdb-store";
import { openPostgresStore } from "../src/storage/postgres/pg-store";
import type { DeliveryFilter, EventRecord, PageQuery } from "../src/storage/records";
import type { PublishItem, Store } from "../src/storage/store";
import { silentLogger } from "../test/support/silent-logger";
import { startPostgres } from "./lib/embedded-postgres";
import { type DeliveryTerms, deliveryOf, finishedStatus, pickType, random } from "./lib/fill-records";

const DAY_MS = 86_400_000;
const T_END = Date.UTC(2026, 0, 31);
const T_START = T_END - 30 * DAY_MS;
const BATCH = 1_000;
const RUNS = 5;
const LIMIT = 100;

interface Tenant {
  account: string;
  /** webhook id -> the types it takes ("*" for every one). */
  hooks: Array<{ id: string; types: string[] | "*" }>;
}

async function tenant(store: Store, name: string, hooks: Tenant["hooks"]): Promise<Tenant> {
  const account = newId("acct");
  const key = {
    id: newId("key"),
    account_id: account,
    hash: `${account}${"ab".repeat(20)}`,
    prefix: "ik_live_x",
    created_at: T_START,
    revoked_at: null,
  };
  await store.accounts.create({ id: account, name, created_at: T_START }, key);
  for (const hook of hooks) {
    await store.webhooks.create({
      id: hook.id,
      account_id: account,
      url: `https://hooks.example.com/${hook.id}`,
      events: hook.types === "*" ? ["*"] : hook.types,
      description: null,
      enabled: true,
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      created_at: T_START,
      updated_at: T_START,
    });
  }
  return { account, hooks };
}

/** Pending deliveries are due a year after the history ends, so that nothing attempts them. */
const TERMS: DeliveryTerms = { failedAttempts: 1, pendingDueAt: () => T_END + 365 * DAY_MS };

/** One event of `t` at `at` with its deliveries; the last `pendingFrom` events leave one webhook's pending. */
function itemOf(t: Tenant, at: number, r: () => number, pendingHook: string | null): PublishItem {
  const type = pickType(r());
  const event: EventRecord = {
    id: newId("evt", at),
    account_id: t.account,
    type,
    created_at: at,
    data: { n: at },
  };
  const deliveries = t.hooks
    .filter((h) => h.types === "*" || h.types.includes(type))
    .map((h) => {
      const draw = r(); // drawn for a pending delivery too, so that the sequence is the same
      return deliveryOf(event, h.id, h.id === pendingHook ? "pending" : finishedStatus(draw), TERMS);
    });
  return { event, deliveries };
}

/** Publishes `events` events for `t` evenly over the 30 days; answers the deliveries written. */
async function fill(
  store: Store,
  t: Tenant,
  events: number,
  seed: number,
  pendingHook?: string,
): Promise<number> {
  const r = random(seed);
  const step = (T_END - T_START) / events;
  let written = 0;
  for (let start = 0; start < events; start += BATCH) {
    const items: PublishItem[] = [];
    for (let i = start; i < Math.min(events, start + BATCH); i++) {
      const pending = pendingHook && i >= events - 300 ? pendingHook : null;
      items.push(itemOf(t, Math.floor(T_START + i * step), r, pending));
    }
    await store.events.publish(items);
    written += items.reduce((n, item) => n + item.deliveries.length, 0);
  }
  return written;
}

interface Opened {
  store: Store;
  /** A page with what it examined (LMDB), or the page alone. */
  list: (
    accountId: string,
    filter: DeliveryFilter,
    page: PageQuery,
  ) => Promise<{ rows: number; next: string | null; examined?: number }>;
  close: () => Promise<void>;
}

async function openLmdb(): Promise<Opened> {
  const dir = mkdtempSync(join(tmpdir(), "inbox-listing-cost-"));
  const store = await openLmdbStore({ dataDir: dir, logger: silentLogger });
  const dbs = lmdbDatabasesOf(store);
  if (!dbs) throw new Error("not an LMDB store");
  return {
    store,
    list: async (accountId, filter, page) => {
      const { page: p, examined } = listDeliveries(dbs, accountId, filter, page);
      return { rows: p.data.length, next: p.next_cursor, examined };
    },
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openPg(): Promise<Opened> {
  const server = process.env.INBOX_TEST_DATABASE_URL;
  const cluster = server ? undefined : await startPostgres({ durable: false });
  const url = server ?? cluster?.url ?? "";
  const schema = `listing_cost_${process.pid}`;
  const store = await openPostgresStore({ url, schema, logger: silentLogger, replicaId: "listing-cost" });
  return {
    store,
    list: async (accountId, filter, page) => {
      const p = await store.deliveries.list(accountId, filter, page);
      return { rows: p.data.length, next: p.next_cursor };
    },
    close: async () => {
      await store.close();
      await cluster?.stop();
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function timePage(opened: Opened, accountId: string, filter: DeliveryFilter, page: PageQuery) {
  const ms: number[] = [];
  let last: Awaited<ReturnType<Opened["list"]>> = { rows: 0, next: null };
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    last = await opened.list(accountId, filter, page);
    ms.push(performance.now() - t0);
  }
  return {
    ms: Math.round(median(ms) * 100) / 100,
    rows: last.rows,
    examined: last.examined,
    more: last.next !== null,
  };
}

async function walkAll(opened: Opened, accountId: string, filter: DeliveryFilter) {
  const t0 = performance.now();
  let pages = 0;
  let rows = 0;
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<Opened["list"]>> = await opened.list(
      accountId,
      filter,
      cursor ? { limit: LIMIT, cursor } : { limit: LIMIT },
    );
    pages++;
    rows += page.rows;
    cursor = page.next;
  } while (cursor !== null);
  return { pages, rows, total_ms: Math.round(performance.now() - t0) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      store: { type: "string", default: "lmdb" },
      deliveries: { type: "string", default: "1000000" },
    },
  });
  const total = Number(values.deliveries);
  const opened = values.store === "postgres" ? await openPg() : await openLmdb();
  try {
    const hook = () => newId("wh");
    const main = await tenant(opened.store, "measured", [
      { id: hook(), types: "*" },
      { id: hook(), types: ["message.delivered", "message.read"] },
      { id: hook(), types: ["message.failed", "message.action"] },
      { id: hook(), types: ["message.action"] },
    ]);
    const others = await Promise.all(
      ["other-1", "other-2"].map((n) =>
        tenant(opened.store, n, [
          { id: hook(), types: "*" },
          { id: hook(), types: "*" },
        ]),
      ),
    );
    const t0 = performance.now();
    // About 2.02 deliveries an event for the measured account, 2 for the others.
    const mainEvents = Math.round((total * 0.8) / 2.02);
    const otherEvents = Math.round((total * 0.1) / 2);
    const [w1, w2, w3, w4] = main.hooks.map((h) => h.id) as [string, string, string, string];
    let written = await fill(opened.store, main, mainEvents, 1, w2);
    for (const [i, t] of others.entries()) written += await fill(opened.store, t, otherEvents, 2 + i);
    await opened.store.flushed();
    const fillS = Math.round((performance.now() - t0) / 1000);

    const mid = Math.floor((T_START + T_END) / 2);
    const midEvent = await middleEvent(opened.store, main.account, mid);
    const shapes: Array<[string, DeliveryFilter]> = [
      ["(none)", {}],
      ["webhook_id (every event)", { webhook_id: w1 }],
      ["webhook_id (2% of events)", { webhook_id: w4 }],
      ["status=failed (2%)", { status: "failed" }],
      ["status=pending (300, newest)", { status: "pending" }],
      ["webhook_id + status=pending", { webhook_id: w2, status: "pending" }],
      [
        "webhook_id + status=failed + event_type",
        { webhook_id: w3, status: "failed", event_type: "message.failed" },
      ],
      ["event_type (2%)", { event_type: "message.action" }],
      ["event_id", { event_id: midEvent.id }],
      ["since/until (one hour)", { since: mid, until: mid + 3_600_000 }],
    ];
    const deep = encodePosition(main.account, {
      createdAt: midEvent.created_at,
      eventId: midEvent.id,
      before: 0,
    });
    const rows = [];
    for (const [label, filter] of shapes) {
      const first = await timePage(opened, main.account, filter, { limit: LIMIT });
      const deepPage = await timePage(opened, main.account, filter, { limit: LIMIT, cursor: deep });
      rows.push({ shape: label, first, deep: deepPage });
    }
    const walks = [];
    for (const [label, filter] of shapes.filter(([l]) => l.includes("2%")))
      walks.push({ shape: label, ...(await walkAll(opened, main.account, filter)) });
    report({ store: values.store ?? "lmdb", written, fillS, rows, walks });
  } finally {
    await opened.close();
  }
}

type Timed = Awaited<ReturnType<typeof timePage>>;

/** Markdown tables: what a reader pastes into the README. */
function report(r: {
  store: string;
  written: number;
  fillS: number;
  rows: Array<{ shape: string; first: Timed; deep: Timed }>;
  walks: Array<{ shape: string; pages: number; rows: number; total_ms: number }>;
}): void {
  const cell = (t: Timed) =>
    `${t.ms} ms, ${t.rows} rows${t.examined === undefined ? "" : `, ${t.examined} examined`}${t.more ? ", more" : ""}`;
  const lines = [
    `${r.store}: ${r.written.toLocaleString("en-US")} deliveries (filled in ${r.fillS} s), limit ${LIMIT}, median of ${RUNS}`,
    "",
    "| filter | first page | deep page (mid-history cursor) |",
    "|---|---|---|",
    ...r.rows.map((row) => `| ${row.shape} | ${cell(row.first)} | ${cell(row.deep)} |`),
    "",
    "| every match of | pages | rows | total |",
    "|---|---|---|---|",
    ...r.walks.map((w) => `| ${w.shape} | ${w.pages} | ${w.rows} | ${w.total_ms} ms |`),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

/** The measured account's event nearest after `at` (the deep pages start there). */
async function middleEvent(
  store: Store,
  accountId: string,
  at: number,
): Promise<{ id: string; created_at: number }> {
  // The oldest of the first page of events from `at` on: within a few minutes after it.
  const page = await store.deliveries.list(accountId, { since: at, until: at + 3_600_000 }, { limit: 100 });
  const last = page.data[page.data.length - 1];
  if (!last) throw new Error("no event in the middle of the history");
  const event = await store.events.get(last.account_id, last.event_id);
  if (!event) throw new Error("the middle event is missing");
  return { id: event.id, created_at: event.created_at };
}

await main();
