// `bun run scripts/dashboard-deliveries-cost.ts [--events 200000] [--runs 25]`: the server time of the
// dashboard's deliveries pages in a store holding many events (LMDB; PostgreSQL with
// INBOX_TEST_STORE=postgres and INBOX_TEST_DATABASE_URL naming a server, as the HTTP tests). Fills a
// fresh store directly through the store API (as scripts/listing-cost.ts does): the default account
// with two endpoints (one taking every type, one message.read only) and `events` events over 30 days,
// with types and statuses in realistic proportions (message.action 2% of events; 2% of deliveries
// failed, 0.5% cancelled, the newest 300 to one endpoint pending). Then signs in like a browser and
// times whole requests through the app's handle (routing, session, scope, handler, layout; no socket):
// median and 95th percentile of `runs` runs of each page.

import { parseArgs } from "node:util";
import { newId } from "../src/domain/ids";
import type { AttemptRecord, DeliveryRecord, DeliveryStatus, EventRecord } from "../src/storage/records";
import type { PublishItem } from "../src/storage/store";
import { BrowserClient } from "../test/dashboard/browser-client";
import { createHarness, type Harness, webhookBody } from "../test/http/harness";

const DAY_MS = 86_400_000;
const BATCH = 1_000;

const { values } = parseArgs({
  options: { events: { type: "string", default: "200000" }, runs: { type: "string", default: "25" } },
});
const EVENTS = Number(values.events);
/** The harness's store: LMDB, or PostgreSQL with INBOX_TEST_STORE=postgres and INBOX_TEST_DATABASE_URL. */
const STORE = process.env.INBOX_TEST_STORE === "postgres" ? "PostgreSQL" : "LMDB";
const RUNS = Number(values.runs);

/** A deterministic pseudo-random sequence (mulberry32), so runs fill the same shapes. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const typeOf = (r: number) =>
  r < 0.5 ? "message.delivered" : r < 0.85 ? "message.read" : r < 0.98 ? "message.failed" : "message.action";
const statusOf = (r: number): DeliveryStatus => (r < 0.02 ? "failed" : r < 0.025 ? "cancelled" : "succeeded");

interface Hooks {
  accountId: string;
  all: string;
  reads: string;
}

function deliveryOf(event: EventRecord, webhookId: string, status: DeliveryStatus): DeliveryRecord {
  const at = event.created_at;
  const done = status !== "pending";
  return {
    id: newId("dlv", at),
    account_id: event.account_id,
    event_id: event.id,
    event_type: event.type,
    webhook_id: webhookId,
    status,
    attempts: done ? 1 : 0,
    next_attempt_at: done ? null : at + 365 * DAY_MS,
    created_at: at,
    updated_at: at,
    last_attempt_at: done ? at : null,
    last_status_code: { succeeded: 200, failed: 503, pending: null, cancelled: null }[status],
    last_error: status === "failed" ? "HTTP 503" : null,
  };
}

function itemOf(hooks: Hooks, at: number, r: () => number, pending: boolean): PublishItem {
  const type = typeOf(r());
  const event: EventRecord = {
    id: newId("evt", at),
    account_id: hooks.accountId,
    type,
    created_at: at,
    data: { n: at },
  };
  const targets = type === "message.read" ? [hooks.all, hooks.reads] : [hooks.all];
  const deliveries = targets.map((webhookId) =>
    deliveryOf(event, webhookId, pending && webhookId === hooks.all ? "pending" : statusOf(r())),
  );
  return { event, deliveries };
}

async function fill(h: Harness, hooks: Hooks): Promise<number> {
  const r = random(12);
  const end = Date.now() - 60_000;
  const start = end - 30 * DAY_MS;
  const step = (end - start) / EVENTS;
  let deliveries = 0;
  for (let from = 0; from < EVENTS; from += BATCH) {
    const items: PublishItem[] = [];
    for (let i = from; i < Math.min(EVENTS, from + BATCH); i++) {
      items.push(itemOf(hooks, Math.floor(start + i * step), r, i >= EVENTS - 300));
    }
    await h.store.events.publish(items);
    deliveries += items.reduce((n, item) => n + item.deliveries.length, 0);
  }
  return deliveries;
}

/** A newly published event whose delivery to `all` has three failed attempts and is pending. */
async function eventWithAttempts(h: Harness, hooks: Hooks): Promise<string> {
  const body = {
    type: "message.read",
    data: { message_id: "m_1", to: "+15551234567", read_at: "2026-01-01T00:00:00Z", device_id: "d_1" },
  };
  h.delivery.leaseTerms = undefined; // leased below, one attempt at a time
  const published = await h.call("POST", "/v1/events", { body });
  const eventId = published.json.id as string;
  for (let n = 1; n <= 3; n++) {
    const leases = await h.store.work.lease({
      owner: h.config.replicaId,
      until: Date.now() + 1,
      limit: 10_000,
      leaseMs: 60_000,
    });
    const lease = leases.find((l) => l.delivery.event_id === eventId && l.delivery.webhook_id === hooks.all);
    if (!lease) throw new Error("no lease on the measured event's delivery");
    const d = lease.delivery;
    const attempt: AttemptRecord = {
      id: newId("att"),
      account_id: d.account_id,
      webhook_id: d.webhook_id,
      delivery_id: d.id,
      event_id: d.event_id,
      event_type: d.event_type,
      attempt: n,
      started_at: Date.now(),
      duration_ms: 120,
      outcome: "failed",
      status_code: 503,
      error_class: "http_status",
      error_message: "HTTP 503",
      response_body: "<html><body>Service Unavailable</body></html>",
      test: false,
    };
    await h.store.deliveries.recordAttempt(
      attempt,
      { status: "pending", next_attempt_at: Date.now() },
      { delivery_id: d.id, token: lease.token },
    );
  }
  return eventId;
}

const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;

async function time(browser: BrowserClient, label: string, path: string): Promise<void> {
  const first = await browser.get(path);
  if (first.status !== 200) throw new Error(`${path} answered ${first.status}`);
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await browser.get(path);
    ms.push(performance.now() - t0);
  }
  const rows = (first.text.match(/<tr>\n<td><a href="\/dashboard\/events\//g) ?? []).length;
  const kb = (first.text.length / 1024).toFixed(0);
  console.log(
    `${label.padEnd(44)} median ${quantile(ms, 0.5).toFixed(1).padStart(6)} ms  p95 ${quantile(ms, 0.95).toFixed(1).padStart(6)} ms  ${rows ? `${rows} rows, ` : ""}${kb} KiB`,
  );
}

/** The path of the page `n` Next page links after `path`. */
async function deepPath(browser: BrowserClient, path: string, n: number): Promise<string> {
  let at = path;
  for (let i = 0; i < n; i++) {
    const next = /<a href="([^"]+)" rel="next">Next page<\/a>/.exec((await browser.get(at)).text)?.[1];
    if (!next) break;
    at = next.replaceAll("&amp;", "&");
  }
  return at;
}

const h = await createHarness();
try {
  const hook = async (events: string[], url: string) =>
    (await h.call("POST", "/v1/webhooks", { body: webhookBody({ events, url }) })).json.id as string;
  const hooks: Hooks = {
    accountId: h.defaultAccountId,
    all: await hook(["*"], "https://hooks.example.com/all"),
    reads: await hook(["message.read"], "https://hooks.example.com/reads"),
  };
  const t0 = performance.now();
  const deliveries = await fill(h, hooks);
  const eventId = await eventWithAttempts(h, hooks);
  console.log(
    `${STORE} store: ${EVENTS.toLocaleString("en-US")} events, ${deliveries.toLocaleString("en-US")} deliveries over 30 days (filled in ${((performance.now() - t0) / 1000).toFixed(0)} s); ${RUNS} runs per page`,
  );
  const browser = new BrowserClient(h.app);
  if ((await browser.signIn(h.defaultKey)).status !== 303) throw new Error("sign-in failed");
  const list = "/dashboard/deliveries";
  await time(browser, "deliveries, first page", list);
  await time(browser, "deliveries, 20th page", await deepPath(browser, list, 19));
  await time(browser, "deliveries, status=failed", `${list}?status=failed`);
  await time(browser, "deliveries, event_type=message.action", `${list}?event_type=message.action`);
  await time(
    browser,
    "deliveries, endpoint (reads) + status=failed",
    `${list}?webhook_id=${hooks.reads}&status=failed`,
  );
  const since = new Date(Date.now() - 10 * DAY_MS).toISOString().slice(0, 16);
  const until = new Date(Date.now() - 9 * DAY_MS).toISOString().slice(0, 16);
  await time(browser, "deliveries, one day (since/until)", `${list}?since=${since}&until=${until}`);
  await time(browser, "event page (2 deliveries, 3 attempts)", `/dashboard/events/${eventId}`);
  await time(browser, "live poll, nothing known", `/dashboard/live/events/${eventId}`);
  const live = JSON.parse((await browser.get(`/dashboard/live/events/${eventId}`)).text) as {
    changed: { html: string }[];
  };
  const known = live.changed
    .map((c) => /data-delivery-id="([^"]+)" data-state="([^"]+)"/.exec(c.html))
    .map((m) => `${m?.[1]}:${m?.[2]}`)
    .join(",");
  await time(
    browser,
    "live poll, nothing changed",
    `/dashboard/live/events/${eventId}?known=${encodeURIComponent(known)}`,
  );
  await time(browser, "event types", "/dashboard/event-types");
} finally {
  await h.close();
}
