// `bun run scripts/dashboard-page-cost.ts [--events 1000000] [--runs 200]`: the server time of each main
// dashboard page in a store holding a million events: LMDB, or PostgreSQL with INBOX_TEST_STORE=postgres
// and INBOX_TEST_DATABASE_URL naming a server (a schema of its own, dropped after, as the HTTP tests).
// Fills a fresh store through the store API (./lib/dashboard-fill.ts: three accounts; the measured one has
// four webhooks and 80% of the events over 30 days, the last day attempted through the delivery path's
// writes), signs in through the dashboard's own sign-in form (an account key and the admin key), then
// requests each page `runs` times in process through the real app (createHttpApp, dashboard mounted,
// app.handle: routing, session, authorization, services, rendering, the whole body read), after 10
// unmeasured requests, and prints the median and p99 as a Markdown table with the page's size. No socket,
// no engine: the figure is the server's work.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config/load-config";
import { bootstrapAccess } from "../src/domain/bootstrap";
import { createHttpApp, type HttpApp } from "../src/http/http-app";
import { Metrics } from "../src/observability/metrics";
import type { Store } from "../src/storage/store";
import { FakeDelivery, openHarnessStore } from "../test/http/harness";
import { silentLogger } from "../test/support/silent-logger";
import { DAY_MS, type FillTenant, fillTenant } from "./lib/dashboard-fill";

/** The harness's store: LMDB, or PostgreSQL with INBOX_TEST_STORE=postgres and INBOX_TEST_DATABASE_URL. */
const STORE = process.env.INBOX_TEST_STORE === "postgres" ? "PostgreSQL" : "LMDB";
const ORIGIN = "http://127.0.0.1:3000";
const ADMIN_KEY = "ik_admin_page_cost_0123456789abcdefghijklmnopqrstuvwxyz";
const WARMUP = 10;
const SIGN_INS_TIMED = 8;

interface Timed {
  page: string;
  path: string;
  status: number;
  bytes: number;
  medianMs: number;
  p99Ms: number;
  /** The last answer's body. */
  body: string;
}

/** One request through the app; answers its status, body and milliseconds (the body read included). */
async function request(
  app: HttpApp,
  path: string,
  init: RequestInit = {},
): Promise<{ res: Response; body: string; ms: number }> {
  const started = performance.now();
  const res = await app.handle(new Request(`${ORIGIN}${path}`, init));
  const body = await res.text();
  return { res, body, ms: performance.now() - started };
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;

async function timePage(
  app: HttpApp,
  page: string,
  path: string,
  cookie: string,
  runs: number,
): Promise<Timed> {
  const init = { headers: { cookie } };
  let last = await request(app, path, init);
  for (let i = 1; i < WARMUP; i++) last = await request(app, path, init);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    last = await request(app, path, init);
    ms.push(last.ms);
  }
  ms.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    page,
    path,
    status: last.res.status,
    bytes: new TextEncoder().encode(last.body).length,
    body: last.body,
    medianMs: round(quantile(ms, 0.5)),
    p99Ms: round(quantile(ms, 0.99)),
  };
}

/** The `name=value` pairs a response sets, as one Cookie header. */
function cookiesOf(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}

/** The named inputs of the page's first form (hidden ones with their values), and its action. */
function formOf(html: string): { action: string; fields: Map<string, string> } {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  if (!form) throw new Error("the sign-in page has no form");
  const fields = new Map<string, string>();
  for (const input of (form[2] ?? "").matchAll(/<input\b[^>]*>/g)) {
    const name = /\bname="([^"]*)"/.exec(input[0])?.[1];
    if (name) fields.set(name, /\bvalue="([^"]*)"/.exec(input[0])?.[1] ?? "");
  }
  return { action: (form[1] ?? "").replaceAll("&amp;", "&"), fields };
}

/**
 * Signs in through the dashboard's form as a browser does; answers the session's Cookie header and the
 * milliseconds of the POST.
 */
async function signIn(app: HttpApp, key: string): Promise<{ cookie: string; ms: number }> {
  const page = await request(app, "/dashboard/sign-in");
  const { action, fields } = formOf(page.body);
  const keyField = [...fields.keys()].find((name) => name !== "csrf");
  if (!keyField) throw new Error("the sign-in form has no key field");
  fields.set(keyField, key);
  const posted = await request(app, action || "/dashboard/sign-in", {
    method: "POST",
    headers: {
      cookie: cookiesOf(page.res),
      origin: ORIGIN,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams([...fields]).toString(),
    redirect: "manual",
  });
  const session = cookiesOf(posted.res);
  if (!session.includes("inbox_session=")) {
    throw new Error(`sign-in answered ${posted.res.status} without a session: ${posted.body.slice(0, 300)}`);
  }
  return { cookie: session, ms: posted.ms };
}

async function apiCall(app: HttpApp, key: string, method: string, path: string, body?: unknown) {
  const { res, body: text } = await request(app, path, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

/** An account made through the API, with webhooks taking `types`; answers it with its key. */
async function tenant(app: HttpApp, name: string, types: Array<string[] | "*">) {
  const account = await apiCall(app, ADMIN_KEY, "POST", "/v1/accounts", { name });
  const hooks: FillTenant["hooks"] = [];
  for (const [i, t] of types.entries()) {
    const hook = await apiCall(app, account.api_key, "POST", "/v1/webhooks", {
      url: `https://hooks.example.com/${name}/${i}`,
      events: t === "*" ? ["*"] : t,
      description: `${name} endpoint ${i + 1}`,
    });
    hooks.push({ id: hook.id, types: t });
  }
  return { tenant: { account: account.id as string, hooks }, key: account.api_key as string };
}

/** The href of the page's "Next page" link. */
function nextPage(html: string): string | undefined {
  const link = /<a\b[^>]*href="([^"]*)"[^>]*>\s*Next page\s*<\/a>/.exec(html);
  return link?.[1]?.replaceAll("&amp;", "&");
}

/** Follows "Next page" `pages` times from `path`; answers the path reached. */
async function followNext(app: HttpApp, path: string, cookie: string, pages: number): Promise<string> {
  let at = path;
  for (let i = 0; i < pages; i++) {
    const next = nextPage((await request(app, at, { headers: { cookie } })).body);
    if (!next) throw new Error(`no Next page link after ${i} pages from ${path}`);
    at = next;
  }
  return at;
}

/** The query of the deliveries log's one day from `since`, as the page's datetime-local fields send it. */
function oneDay(since: number): string {
  const field = (at: number) => new Date(at).toISOString().slice(0, 16);
  return `since=${field(since)}&until=${field(since + DAY_MS)}`;
}

/** The `known` query of an event's live update: each delivery's id and state as the page shows them. */
async function knownStates(app: HttpApp, eventId: string, cookie: string): Promise<string> {
  const live = await request(app, `/dashboard/live/events/${eventId}`, { headers: { cookie } });
  const { changed } = JSON.parse(live.body) as { changed: { html: string }[] };
  const known = changed
    .map((c) => /data-delivery-id="([^"]+)" data-state="([^"]+)"/.exec(c.html))
    .map((match) => `${match?.[1]}:${match?.[2]}`)
    .join(",");
  return encodeURIComponent(known);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { events: { type: "string", default: "1000000" }, runs: { type: "string", default: "200" } },
  });
  const total = Number(values.events);
  const runs = Number(values.runs);
  const dir = mkdtempSync(join(tmpdir(), "inbox-page-cost-"));
  const loaded = loadConfig([], {
    INBOX_ADMIN_KEY: ADMIN_KEY,
    INBOX_DATA_DIR: dir,
    INBOX_LOG_LEVEL: "error",
  });
  if (loaded.kind !== "config") throw new Error(`config: ${JSON.stringify(loaded)}`);
  const { store, drop, settle } = await openHarnessStore(dir);
  try {
    await bootstrapAccess(store, loaded.config, Date.now());
    const app = createHttpApp({
      store,
      config: loaded.config,
      logger: silentLogger,
      metrics: new Metrics(),
      delivery: new FakeDelivery(() => store),
      version: "page-cost",
      isShuttingDown: () => false,
    });
    const rows = await measure(app, { store, settle }, total, runs);
    report(rows, total, runs);
  } finally {
    await store.close();
    await drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The store measured; `settle` brings its figures up to date (a snapshot on PostgreSQL). */
interface Measured {
  store: Store;
  settle: () => Promise<void>;
}

async function measure(app: HttpApp, m: Measured, total: number, runs: number): Promise<Timed[]> {
  const { store } = m;
  const measured = await tenant(app, "measured", [
    "*",
    ["message.delivered", "message.read"],
    ["message.failed", "message.action"],
    ["message.action"],
  ]);
  const others = [await tenant(app, "other-1", ["*", "*"]), await tenant(app, "other-2", ["*", "*"])];
  const end = Date.now() - 60_000;
  const started = performance.now();
  let written = await fillTenant(store, measured.tenant, Math.round(total * 0.8), end, 1);
  for (const [i, o] of others.entries())
    written += await fillTenant(store, o.tenant, Math.round(total * 0.1), end, 2 + i);
  await store.flushed();
  await m.settle();
  process.stderr.write(
    `filled ${total.toLocaleString("en-US")} events, ${written.toLocaleString("en-US")} deliveries in ${Math.round((performance.now() - started) / 1000)} s\n`,
  );

  // The limiter allows 10 sign-ins from one address in 5 minutes: 8 are timed, 2 sessions kept.
  const posts: number[] = [];
  for (let i = 0; i < SIGN_INS_TIMED; i++) posts.push((await signIn(app, measured.key)).ms);
  const customer = (await signIn(app, measured.key)).cookie;
  const admin = (await signIn(app, ADMIN_KEY)).cookie;
  const [w1, , w3, w4] = measured.tenant.hooks.map((h) => h.id) as [string, string, string, string];
  const recent = await store.deliveries.list(measured.tenant.account, { webhook_id: w1 }, { limit: 1 });
  const old = await store.deliveries.list(
    measured.tenant.account,
    { webhook_id: w1, until: end - 15 * DAY_MS },
    { limit: 1 },
  );
  const recentEvent = recent.data[0]?.event_id;
  const oldEvent = old.data[0]?.event_id;
  if (!recentEvent || !oldEvent) throw new Error("no event to show");
  const page100 = await followNext(app, "/dashboard/deliveries", customer, 99);

  const h1 = (name: string) => new RegExp(`<h1[^>]*>\\s*${name}\\s*</h1>`);
  const listed = /href="\/dashboard\/events\/evt_/;
  // Each page with what its answer must show, so that a figure is never the time of an error page.
  const pages: Array<[string, string, string, RegExp]> = [
    ["sign-in form", "/dashboard/sign-in", "", /API key/],
    ["endpoints list", "/dashboard/endpoints", customer, new RegExp(`/dashboard/endpoints/${w1}`)],
    ["endpoint page", `/dashboard/endpoints/${w1}`, customer, /Latest attempts[\s\S]*Succeeded/],
    ["deliveries, first page", "/dashboard/deliveries", customer, listed],
    ["deliveries, page 2", await followNext(app, "/dashboard/deliveries", customer, 1), customer, listed],
    ["deliveries, page 100", page100, customer, listed],
    [
      "deliveries, endpoint + failed",
      `/dashboard/deliveries?webhook_id=${w3}&status=failed`,
      customer,
      listed,
    ],
    ["deliveries, failed (2%)", "/dashboard/deliveries?status=failed", customer, listed],
    [
      "deliveries, one day (since/until)",
      `/dashboard/deliveries?${oneDay(end - 10 * DAY_MS)}`,
      customer,
      listed,
    ],
    ["deliveries, event type (2%)", "/dashboard/deliveries?event_type=message.action", customer, listed],
    [
      "deliveries, rare endpoint + failed",
      `/dashboard/deliveries?webhook_id=${w4}&status=failed`,
      customer,
      h1("Deliveries"),
    ],
    [
      "event page (last day, attempts)",
      `/dashboard/events/${recentEvent}`,
      customer,
      /Status code[\s\S]*\b200\b/,
    ],
    ["event page (15 days old)", `/dashboard/events/${oldEvent}`, customer, h1("Event")],
    ["live update of an event", `/dashboard/live/events/${recentEvent}`, customer, /^[[{]/],
    [
      "live update, nothing changed",
      `/dashboard/live/events/${recentEvent}?known=${await knownStates(app, recentEvent, customer)}`,
      customer,
      /^[[{]/,
    ],
    ["event types", "/dashboard/event-types", customer, h1("Event types")],
    ["event type", "/dashboard/event-types/message.delivered", customer, /device_id/],
    ["accounts (admin)", "/dashboard/accounts", admin, /measured/],
    ["account page (admin)", `/dashboard/accounts/${measured.tenant.account}`, admin, /Create portal link/],
    ["system (admin)", "/dashboard/system", admin, h1("System")],
  ];
  const rows: Timed[] = [];
  for (const [page, path, cookie, shows] of pages) {
    const row = await timePage(app, page, path, cookie, runs);
    if (row.status !== 200 || !shows.test(row.body)) {
      throw new Error(`${page} (${path}) answered ${row.status} without ${shows}: ${row.body.slice(-3000)}`);
    }
    rows.push(row);
    process.stderr.write(`${page}: ${row.medianMs} ms median, ${row.p99Ms} ms p99\n`);
  }
  posts.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  rows.splice(1, 0, {
    page: `sign in (form POST, ${SIGN_INS_TIMED} requests: the last column is the slowest)`,
    path: "/dashboard/sign-in",
    status: 303,
    bytes: 0,
    medianMs: round(quantile(posts, 0.5)),
    p99Ms: round(posts.at(-1) ?? 0),
    body: "",
  });
  return rows;
}

/** Markdown: what a reader pastes into the README. */
function report(rows: Timed[], total: number, runs: number): void {
  const lines = [
    `${STORE}, ${total.toLocaleString("en-US")} events; server time in process (app.handle, body read), ${runs} requests a page after ${WARMUP} unmeasured`,
    "",
    "| page | status | size | median | p99 |",
    "|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.page} | ${r.status} | ${(r.bytes / 1024).toFixed(1)} KiB | ${r.medianMs} ms | ${r.p99Ms} ms |`,
    ),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

await main();
