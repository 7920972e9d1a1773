// /v1/deliveries: the account's deliveries found by filters, one delivery with its attempts, and
// manual retry.

import { Elysia, t } from "elysia";
import { pageQuery } from "../../domain/paging";
import { scopeWebhookOwner } from "../auth";
import { CommonErrors, ErrorResponse, IdParams, OwnerAccountIdQuery } from "../models/common";
import {
  DeliveriesInvalid,
  DeliveriesNotFound,
  DeliveriesQuery,
  DeliveryList,
  DeliveryWithAttempts,
  InvalidCursor,
  presentDelivery,
  presentDeliveryWithAttempts,
  RetriedDelivery,
  RetryConflict,
} from "../models/delivery";
import { timeQuery } from "../query-times";
import type { RouteContext } from "./route-context";

const ScopeQuery = t.Object({ account_id: OwnerAccountIdQuery("deliveries") });

export function deliveryRoutes({ services, auth }: RouteContext) {
  // The admin key without account_id acts on the operator's own deliveries.
  const scope = (principal: Parameters<typeof scopeWebhookOwner>[0], accountId: string | undefined) =>
    scopeWebhookOwner(principal, accountId, services.accounts, "account_id");

  return new Elysia({ prefix: "/deliveries", tags: ["Deliveries"] })
    .use(auth)
    .get(
      "",
      async ({ query, principal }) => {
        const accountId = await scope(principal, query.account_id);
        const filter = {
          webhook_id: query.webhook_id,
          status: query.status,
          event_type: query.event_type,
          event_id: query.event_id,
          since: timeQuery(query.since, "since"),
          until: timeQuery(query.until, "until"),
        };
        const page = await services.deliveries.list(accountId, filter, pageQuery(query.limit, query.cursor));
        return { data: page.data.map(presentDelivery), next_cursor: page.next_cursor };
      },
      {
        query: DeliveriesQuery,
        response: {
          200: DeliveryList,
          ...CommonErrors,
          400: InvalidCursor,
          404: DeliveriesNotFound,
          422: DeliveriesInvalid,
        },
        detail: {
          summary: "Find deliveries",
          description:
            "The account's deliveries, newest event first (an event's deliveries newest first, so a replay comes before the original), cursor-paginated. " +
            "Filters, all optional and combined with AND: `webhook_id`, `status` (pending, succeeded, failed, cancelled: the delivery's state now), `event_type`, `event_id`, and `since`/`until` (RFC 3339), which bound the creation time of the delivery's event (since inclusive, until exclusive). " +
            "Answered from the store's indexes, never by scanning every delivery: one page examines a bounded part of the history, so with a selective filter a page may hold fewer than `limit` deliveries, even none, and still carry a `next_cursor`; follow it until it is null. " +
            "404 `not_found` when `webhook_id` names a webhook the account does not have; 422 naming the parameter for a bad `status`, time or `limit`, or `since` after `until`; 400 `invalid_cursor` for a cursor this listing did not make. " +
            "Each delivery has the shape of GET /v1/deliveries/{id} without the `attempts` list; `attempt_count` counts them.",
        },
      },
    )
    .get(
      "/:id",
      async ({ params, query, principal }) => {
        const accountId = await scope(principal, query.account_id);
        const { delivery, attempts } = await services.deliveries.get(accountId, params.id);
        return presentDeliveryWithAttempts(delivery, attempts);
      },
      {
        params: IdParams,
        query: ScopeQuery,
        response: { 200: DeliveryWithAttempts, ...CommonErrors },
        detail: {
          summary: "Get a delivery",
          description: "The delivery's state and every attempt, oldest first.",
        },
      },
    )
    .post(
      "/:id/retry",
      async ({ params, query, principal, status }) => {
        const delivery = await services.deliveries.retry(await scope(principal, query.account_id), params.id);
        return status(202, presentDelivery(delivery));
      },
      {
        params: IdParams,
        query: ScopeQuery,
        response: { 202: RetriedDelivery, ...CommonErrors, 409: RetryConflict, 507: ErrorResponse },
        detail: {
          summary: "Retry a delivery now",
          description:
            "Makes a pending, failed or cancelled delivery pending again, due now; its attempt numbers continue and earlier attempts stay in the logs. " +
            "409 `conflict` when nothing would be sent, with a message saying why: the delivery already succeeded, its webhook is disabled (enable it first: its deliveries can then be retried), or its webhook has been deleted. " +
            "404 for an unknown delivery or another account's.",
        },
      },
    );
}
