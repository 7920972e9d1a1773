// /v1/webhooks/{id}/stats: a webhook's health over a window, from the store's hourly rollups.

import { Elysia } from "elysia";
import { ApiError } from "../api-error";
import { scopeWebhookOwner } from "../auth";
import { CommonErrors, IdParams } from "../models/common";
import { presentStats, StatsQuery, WebhookStatsModel } from "../models/stats";
import { parseRfc3339 } from "../rfc3339";
import type { RouteContext } from "./route-context";

function sinceOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseRfc3339(value);
  if (ms === undefined) {
    throw ApiError.invalid("the request is not valid", [
      { field: "since", reason: "must be an RFC 3339 date-time such as 2025-01-15T10:25:03Z" },
    ]);
  }
  return ms;
}

export function webhookStatsRoutes({ services, auth }: RouteContext) {
  return new Elysia({ prefix: "/webhooks", tags: ["Webhooks"] }).use(auth).get(
    "/:id/stats",
    async ({ params, query, principal }) => {
      const accountId = await scopeWebhookOwner(principal, query.account_id, services.accounts, "account_id");
      return presentStats(await services.stats.webhookStats(accountId, params.id, sinceOf(query.since)));
    },
    {
      params: IdParams,
      query: StatsQuery,
      response: { 200: WebhookStatsModel, ...CommonErrors },
      detail: {
        summary: "A webhook's delivery health",
        description:
          "The admin key without `account_id` reads the operator's own webhooks, as every webhook operation does. Attempts, successes, failures, success rate and latency percentiles of the webhook's attempts since `since` (default the last 24 hours; at most the retention), summed from hourly rollups kept with each attempt, so the answer costs the same however many attempts the webhook has had; plus its last success and failure, the start of its current run of failures, and its pending deliveries now. Test sends are not counted. Latency percentiles are estimated from fixed histogram bins: each is the upper bound of the bin holding it. 422 when `since` is not an RFC 3339 date-time, not before now, or older than the retention.",
      },
    },
  );
}
