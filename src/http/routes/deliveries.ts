// /v1/deliveries: one delivery with its attempts, and manual retry.

import { Elysia, t } from "elysia";
import { scopeAccount } from "../auth";
import { AccountIdQuery, CommonErrors, ErrorResponse, IdParams } from "../models/common";
import {
  DeliveryModel,
  DeliveryWithAttempts,
  presentDelivery,
  presentDeliveryWithAttempts,
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
        response: { 202: DeliveryModel, 409: ErrorResponse, ...CommonErrors },
        detail: {
          summary: "Retry a delivery now",
          description:
            "Makes a pending, failed or cancelled delivery pending again, due now. 409 if it already succeeded or its webhook was deleted.",
        },
      },
    );
}
