// /v1/deliveries: one delivery with its attempts, and manual retry.

import { Elysia, t } from "elysia";
import { scopeAccount } from "../auth";
import { AccountIdQuery, CommonErrors, ErrorResponse, IdParams } from "../models/common";
import {
  DeliveryWithAttempts,
  presentDelivery,
  presentDeliveryWithAttempts,
  RetriedDelivery,
  RetryConflict,
} from "../models/delivery";
import type { RouteContext } from "./route-context";

const ScopeQuery = t.Object({ account_id: AccountIdQuery });

export function deliveryRoutes({ services, auth }: RouteContext) {
  const scope = (principal: Parameters<typeof scopeAccount>[0], accountId: string | undefined) =>
    scopeAccount(principal, accountId, services.accounts, "account_id");

  return new Elysia({ prefix: "/deliveries", tags: ["Deliveries"] })
    .use(auth)
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
