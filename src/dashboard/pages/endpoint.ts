// GET /dashboard/endpoints/:id: one endpoint with its settings, its health over the last 24 hours
// (figures and the hourly chart), its latest attempts and its actions. The actions that answer
// with this page (reveal and rotate the secret, a refused test or recovery) render it through
// showEndpoint with the secret or the problem to show.

import type { EventCatalog } from "../../domain/event-catalog";
import { isOperator } from "../../domain/operator";
import { attemptsChart } from "../components/attempts-chart";
import type { PageContext } from "../context";
import { type DashboardResult, page } from "../results";
import { endpointView, type SecretShown } from "./endpoint-view";

/** Attempts listed on the page; the deliveries log has the rest. */
const RECENT_ATTEMPTS = 10;

export interface ShowOptions {
  secret?: SecretShown;
  notice?: string;
  error?: string;
  status?: number;
}

export async function showEndpoint(
  ctx: PageContext,
  id: string,
  options: ShowOptions = {},
): Promise<DashboardResult> {
  const { services, accountId } = ctx;
  const webhook = await services.webhooks.get(accountId, id);
  const catalog = await subscribableCatalog(ctx);
  const [health, recent] = await Promise.all([
    services.stats.webhookHours(accountId, id),
    services.logs.list(accountId, id, {}, { limit: RECENT_ATTEMPTS }),
  ]);
  const body = endpointView({
    webhook,
    stats: health.stats,
    chart: attemptsChart(health.stats, health.hours),
    attempts: recent.data,
    testTypes: catalog.types().filter((type) => catalog.sample(type) !== undefined),
    secret: options.secret,
    csrf: ctx.csrf,
    now: ctx.now,
  });
  return page("Endpoint", body, { status: options.status, notice: options.notice, error: options.error });
}

/**
 * The event types the session's endpoints may subscribe to: the account's, or the operational ones
 * for the operator (as WebhooksService checks them).
 */
export function subscribableCatalog(ctx: PageContext): Promise<EventCatalog> {
  return isOperator(ctx.accountId)
    ? ctx.services.operationalCatalog.current()
    : ctx.services.catalog.current();
}

export function showEndpointPage(ctx: PageContext): Promise<DashboardResult> {
  return showEndpoint(ctx, ctx.params.id ?? "");
}

/** The endpoint page showing `secret` once (after creation, reveal or rotation). */
export function showEndpointWithSecret(
  ctx: PageContext,
  id: string,
  options: { secret: string; previousExpiresAt?: number | null; notice?: string },
): Promise<DashboardResult> {
  return showEndpoint(ctx, id, {
    secret: { value: options.secret, previousExpiresAt: options.previousExpiresAt ?? null },
    notice: options.notice,
  });
}
