// /v1/webhooks/{id}/recover: sends a webhook's failed and cancelled deliveries of a time window
// again, after an outage (the work runs in the background: src/domain/recovery-runner.ts).

import { Elysia, t } from "elysia";
import { ApiError } from "../api-error";
import { scopeWebhookOwner } from "../auth";
import { CommonErrors, ErrorResponse, IdParams } from "../models/common";
import {
  presentRecovery,
  RecoverBody,
  RecoveryConflict,
  RecoveryInvalid,
  RecoveryNotFound,
  RecoveryResponse,
} from "../models/recovery";
import { WebhookAccountId } from "../models/webhook";
import { JSON_BODY } from "../request-guards";
import { parseRfc3339 } from "../rfc3339";
import type { RouteContext } from "./route-context";

const ScopeQuery = t.Object({ account_id: WebhookAccountId });

function timeOf(value: string, field: string): number {
  const ms = parseRfc3339(value);
  if (ms === undefined) {
    throw ApiError.invalid("the request is not valid", [
      { field, reason: "must be an RFC 3339 date-time such as 2025-01-15T10:25:03Z" },
    ]);
  }
  return ms;
}

export function webhookRecoveryRoutes({ services, auth }: RouteContext) {
  return new Elysia({ prefix: "/webhooks", tags: ["Webhooks"] }).use(auth).post(
    "/:id/recover",
    async ({ params, query, body, principal, status }) => {
      const accountId = await scopeWebhookOwner(principal, query.account_id, services.accounts, "account_id");
      const request = {
        since: timeOf(body.since, "/since"),
        until: body.until === undefined ? undefined : timeOf(body.until, "/until"),
      };
      return status(202, presentRecovery(await services.recovery.recover(accountId, params.id, request)));
    },
    {
      params: IdParams,
      query: ScopeQuery,
      body: RecoverBody,
      parse: JSON_BODY,
      response: {
        202: RecoveryResponse,
        ...CommonErrors,
        404: RecoveryNotFound,
        409: RecoveryConflict,
        422: RecoveryInvalid,
        507: ErrorResponse,
      },
      detail: {
        summary: "Recover a webhook's failed deliveries after an outage",
        description:
          "Every delivery of the webhook created in [`since`, `until`) (until defaults to now) that is `failed` or `cancelled` goes back to `pending` and is attempted again on the whole retry schedule; attempt numbers continue, and earlier attempts stay in the log. Pending and succeeded deliveries are untouched. " +
          "Answers 202 with how many deliveries it will send again, once the recovery is saved: the work runs in the background in bounded batches (a million deliveries do not stall the API), and a restart resumes it. " +
          "409 `conflict` when the webhook is disabled (enable it first); should it be disabled or deleted while the recovery runs, the recovery stops. One recovery of a webhook at a time: while one is under way, another request is 409 `conflict` saying how far it has got (a recovery left unfinished by store failures is resumed by that request). 404 for an unknown webhook or another account's. 422 when `since` is missing or not an RFC 3339 date-time, or not before `until` (or now). 507 storage_full when the disk is full (nothing was saved).",
      },
    },
  );
}
