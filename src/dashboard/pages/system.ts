// The operator's view of the system: the delivery backlog and attempts in flight, the store (kind,
// where, size, whether it takes writes), version and uptime, and the settings that explain what the
// appliance does (retention, retries, limits, sessions). Every figure is one /health and /metrics
// already publish or one read from the configuration, taken without touching the database
// (Store.figures() and health() are synchronous snapshots), so the page costs nothing with any
// amount of data. No secret is shown: the database URL's password is masked, the admin key is not
// named, only whether it came from the configuration.

import type { Config } from "../../config/config";
import { redactDatabaseUrl } from "../../config/database-url";
import type { StoreFigures, StoreHealth } from "../../storage/store";
import { durationText, timeText } from "../components/times";
import type { PageContext } from "../context";
import { type Html, html } from "../html";
import { page } from "../results";
import type { Router } from "../router";
import { bytesText, countText, periodText } from "./operator-format";

/**
 * What the system page reads besides the configuration: the figures /health and /metrics publish.
 * Every member answers from memory, at once (the store's figures are a snapshot).
 */
export interface SystemStatus {
  version: string;
  /** When this process (its dashboard) started, ms since the epoch. */
  startedAt: number;
  figures(): StoreFigures;
  health(): StoreHealth;
  /** Attempts in flight in this process (DeliveryPort.inFlight). */
  inFlight(): number;
}

/**
 * GET /dashboard/system. The API has no route for these figures (/health and /metrics need no key,
 * but the settings are the operator's): the page asks for the admin scope, as GET /v1/accounts does.
 */
export function systemRoutes(router: Router, system: SystemStatus): void {
  router.get("/dashboard/system", "GET /v1/accounts", (ctx: PageContext) =>
    page(
      "System",
      systemBody({
        now: ctx.now,
        version: system.version,
        uptimeMs: Math.max(0, ctx.now - system.startedAt),
        figures: system.figures(),
        health: system.health(),
        inFlight: system.inFlight(),
        config: ctx.config,
      }),
    ),
  );
}

export interface SystemView {
  now: number;
  version: string;
  /** How long this process has run, ms. */
  uptimeMs: number;
  figures: StoreFigures;
  health: StoreHealth;
  /** Attempts in flight in this process (DeliveryPort.inFlight()). */
  inFlight: number;
  config: Config;
}

type Row = readonly [term: string, value: Html | string];

function list(rows: readonly Row[]): Html {
  return html`<dl class="facts">${rows.map(([term, value]) => html`<dt>${term}</dt><dd>${value}</dd>`)}</dl>`;
}

function storeHealthText(health: StoreHealth): Html {
  if (health.writable) return html`Taking writes`;
  const since = health.since === undefined ? "" : ` since ${timeText(health.since)}`;
  if (health.reason === "unavailable") {
    return html`<strong>Unavailable${since}</strong>: the database cannot be reached; requests that need it
      fail until it answers again, and this replica recovers by itself.`;
  }
  return html`<strong>Full${since}</strong>: too little disk space is left for the data directory, so
    publishing, endpoint changes and attempt records are refused until space is freed.`;
}

function storeRows(view: SystemView): Row[] {
  const { config, figures, health } = view;
  const pg = config.databaseUrl !== undefined;
  const age = Math.max(0, view.now - figures.asOf);
  return [
    ["Kind", pg ? "PostgreSQL (shared by every replica)" : "LMDB (embedded, this process)"],
    [
      pg ? "Database" : "Data directory",
      html`<code>${pg ? redactDatabaseUrl(config.databaseUrl ?? "") : config.dataDir}</code>`,
    ],
    ["Size on disk", bytesText(figures.sizeBytes)],
    ["State", storeHealthText(health)],
    ["Writes refused for lack of space", countText(health.refusedWrites)],
    ["Figures taken", `${timeText(figures.asOf)} (${age < 1_000 ? "now" : `${periodText(age)} ago`})`],
  ];
}

function deliveryRows(view: SystemView): Row[] {
  const { config } = view;
  return [
    ["Pending deliveries", countText(view.figures.pendingDeliveries)],
    [
      "Attempts in flight",
      `${countText(view.inFlight)} in this process (at most ${countText(config.concurrency)})`,
    ],
    [
      "Concurrency",
      `${config.concurrency} attempts at once, ${config.accountConcurrency} per account, ${config.webhookConcurrency} per endpoint`,
    ],
    ["Attempt timeout", durationText(config.timeoutMs)],
    ["Retry schedule", retryScheduleText(config.retrySchedule)],
    [
      "Disable an endpoint after",
      config.disableAfterMs === 0 ? "never" : `${periodText(config.disableAfterMs)} of failures`,
    ],
  ];
}

/** "6 attempts: at once, then after 30 seconds, 2 minutes, …". */
export function retryScheduleText(schedule: readonly number[]): string {
  const delays = schedule.map((ms) => (ms === 0 ? "at once" : periodText(ms)));
  const [first, ...rest] = delays;
  const count = `${schedule.length} attempt${schedule.length === 1 ? "" : "s"}`;
  return rest.length === 0 ? `${count}: ${first}` : `${count}: ${first}, then after ${rest.join(", ")}`;
}

function settingRows(config: Config): Row[] {
  return [
    [
      "Retention",
      `${periodText(config.retentionMs)} (attempts and finished events older than this are erased)`,
    ],
    ["Endpoints per account", `at most ${countText(config.webhooksPerAccountMax)}`],
    ["Largest request body", bytesText(config.bodyBytesMax)],
    [
      "Admin key",
      config.adminKey !== undefined
        ? "set by the configuration (INBOX_ADMIN_KEY)"
        : "generated at first start",
    ],
    [
      "Dashboard sessions",
      `end ${periodText(config.sessionTtlMs)} after sign-in, or after ${periodText(config.sessionIdleMs)} unused`,
    ],
    ["Public URL", config.publicUrl ?? "taken from each request (INBOX_PUBLIC_URL is not set)"],
    [
      "Portal may be framed by",
      config.portalFrameAncestors?.join(", ") ?? "nobody (INBOX_PORTAL_FRAME_ANCESTORS is not set)",
    ],
    ["Replica", config.replicaId],
  ];
}

export function systemBody(view: SystemView): Html {
  return html`<h1>System</h1>
<section class="panel" aria-labelledby="sys-deliveries"><h2 id="sys-deliveries">Deliveries</h2>${list(deliveryRows(view))}</section>
<section class="panel" aria-labelledby="sys-store"><h2 id="sys-store">Store</h2>${list(storeRows(view))}</section>
<section class="panel" aria-labelledby="sys-process"><h2 id="sys-process">This process</h2>${list([
    ["Version", view.version],
    ["Up for", periodText(view.uptimeMs)],
  ])}</section>
<section class="panel" aria-labelledby="sys-settings"><h2 id="sys-settings">Settings</h2>${list(settingRows(view.config))}</section>
<p>The same figures, for monitoring: <a href="/health">/health</a> and <a href="/metrics">/metrics</a>.
Operational events (webhook.disabled when an endpoint is disabled, delivery.failed when a delivery runs out of attempts) reach the <a href="/dashboard/endpoints">Operator webhooks</a>.</p>`;
}
