// GET /dashboard/endpoints: the session's endpoints (webhooks), newest first, a page at a time by
// cursor, with health at a glance: attempts and success rate over the last 24 hours (from the
// hourly rollups, services.stats: a fixed cost per endpoint), the last outcome, and whether it is
// disabled and why. Registers every endpoint route (endpointRoutes).

import { PAGE_LIMIT_DEFAULT, pageQuery } from "../../domain/paging";
import type { WebhookStats } from "../../domain/stats-service";
import type { WebhookView } from "../../domain/webhooks-service";
import type { PageContext } from "../context";
import { type Html, html } from "../html";
import { endpointPath } from "../paths";
import { type DashboardResult, page } from "../results";
import type { Router } from "../router";
import { showEndpointPage } from "./endpoint";
import {
  confirmDelete,
  deleteEndpoint,
  recover,
  revealSecret,
  rotateSecret,
  sendTest,
} from "./endpoint-actions";
import { createEndpoint, showEditForm, showNewForm, updateEndpoint } from "./endpoint-form";
import { disabledWords, lastOutcome, successRate } from "./endpoint-health";

const SHOW = ["GET /v1/webhooks/:id", "GET /v1/webhooks/:id/stats", "GET /v1/webhooks/:id/logs"];

/** Every endpoint page, each with the /v1 route(s) whose scope it needs. */
export function endpointRoutes(router: Router): void {
  router
    .get("/dashboard/endpoints", "GET /v1/webhooks", listEndpoints)
    .get("/dashboard/endpoints/new", "POST /v1/webhooks", showNewForm)
    .post("/dashboard/endpoints", ["POST /v1/webhooks", ...SHOW], createEndpoint)
    .get("/dashboard/endpoints/:id", SHOW, showEndpointPage)
    .get("/dashboard/endpoints/:id/edit", ["GET /v1/webhooks/:id", "PUT /v1/webhooks/:id"], showEditForm)
    .post("/dashboard/endpoints/:id", "PUT /v1/webhooks/:id", updateEndpoint)
    .get(
      "/dashboard/endpoints/:id/delete",
      ["GET /v1/webhooks/:id", "DELETE /v1/webhooks/:id"],
      confirmDelete,
    )
    .post("/dashboard/endpoints/:id/delete", "DELETE /v1/webhooks/:id", deleteEndpoint)
    .post("/dashboard/endpoints/:id/secret", ["GET /v1/webhooks/:id/secret", ...SHOW], revealSecret)
    .post(
      "/dashboard/endpoints/:id/secret/rotate",
      ["POST /v1/webhooks/:id/secret/rotate", ...SHOW],
      rotateSecret,
    )
    .post("/dashboard/endpoints/:id/test", ["POST /v1/webhooks/test", ...SHOW], sendTest)
    .post("/dashboard/endpoints/:id/recover", ["POST /v1/webhooks/:id/recover", ...SHOW], recover);
}

async function listEndpoints(ctx: PageContext): Promise<DashboardResult> {
  const cursor = ctx.url.searchParams.get("cursor") ?? undefined;
  const listing = await ctx.services.webhooks.list(ctx.accountId, pageQuery(PAGE_LIMIT_DEFAULT, cursor));
  const rows = await Promise.all(
    listing.data.map(async (webhook) => ({
      webhook,
      stats: await ctx.services.stats.webhookStats(ctx.accountId, webhook.id),
    })),
  );
  const next = listing.next_cursor
    ? html`<nav class="pager" aria-label="Pages"><a href="/dashboard/endpoints?cursor=${encodeURIComponent(listing.next_cursor)}">Next page</a></nav>`
    : "";
  const operator =
    ctx.principal.kind === "admin"
      ? html`<p class="muted">The operator's own endpoints: they receive the operational events (webhook.disabled, delivery.failed) about every account.</p>`
      : "";
  const body = html`<div class="page-head"><h1>Endpoints</h1><a class="button primary" href="/dashboard/endpoints/new">New endpoint</a></div>
${operator}
${rows.length === 0 && !cursor ? empty() : table(rows)}
${next}`;
  return page("Endpoints", body);
}

function empty(): Html {
  return html`<div class="panel"><p>No endpoints yet. An endpoint is a URL of yours that receives the events you choose.</p>
<p><a href="/dashboard/endpoints/new">Create your first endpoint</a></p></div>`;
}

function table(rows: { webhook: WebhookView; stats: WebhookStats }[]): Html {
  return html`<div class="table-wrap"><table>
<caption class="visually-hidden">Endpoints with their health over the last 24 hours</caption>
<thead><tr><th scope="col">URL</th><th scope="col">State</th><th scope="col" class="num">Attempts (24 h)</th><th scope="col" class="num">Success rate (24 h)</th><th scope="col">Last attempt</th></tr></thead>
<tbody>
${rows.map(({ webhook, stats }) => row(webhook, stats))}
</tbody></table></div>`;
}

function row(webhook: WebhookView, stats: WebhookStats): Html {
  const state = webhook.enabled
    ? html`<span class="badge ok">Enabled</span>`
    : html`<span class="badge bad">Disabled</span> <span class="muted">${disabledWords(webhook)}</span>`;
  const blocked = webhook.destination_blocked
    ? html`<br><span class="badge warn">Destination blocked</span> <span class="muted">${webhook.destination_blocked}</span>`
    : "";
  return html`<tr>
<td class="wrap-anywhere"><a href="${endpointPath(webhook.id)}">${webhook.url}</a>${webhook.description ? html`<br><span class="muted">${webhook.description}</span>` : ""}</td>
<td>${state}${blocked}</td>
<td class="num">${stats.attempts}</td>
<td class="num">${successRate(stats)}</td>
<td>${lastOutcome(stats)}</td>
</tr>`;
}
