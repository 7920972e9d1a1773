// The query of a webhook's delivery log (GET /v1/webhooks/{id}/logs). The attempt field it filters
// is `outcome`, and so is the parameter; `status`, its name before, stays accepted as a deprecated
// alias so that existing clients keep working. Both given with different values is a 422.

import { t } from "elysia";
import { ApiError } from "../api-error";
import { IdString, PageLimit } from "./common";
import { WebhookAccountId } from "./webhook";

const Outcome = (description: string, deprecated = false) =>
  t.Optional(t.Union([t.Literal("succeeded"), t.Literal("failed")], { description, deprecated }));

export const WebhookLogsQuery = t.Object({
  outcome: Outcome("The attempt's outcome (the `outcome` field of each attempt)."),
  status: Outcome("Deprecated: the former name of `outcome`, still accepted; use `outcome`.", true),
  event_type: t.Optional(IdString()),
  event_id: t.Optional(IdString()),
  since: t.Optional(t.String({ description: "RFC 3339; attempts started at or after." })),
  until: t.Optional(t.String({ description: "RFC 3339; attempts started before." })),
  limit: t.Optional(PageLimit),
  cursor: t.Optional(t.String()),
  account_id: WebhookAccountId,
});

/** The outcome the log is filtered by: `outcome`, or its deprecated alias `status`. */
export function logsOutcome(query: typeof WebhookLogsQuery.static): "succeeded" | "failed" | undefined {
  const { outcome, status } = query;
  if (outcome !== undefined && status !== undefined && outcome !== status) {
    throw ApiError.invalid("the request is not valid", [
      {
        field: "status",
        reason: "is a deprecated alias of outcome and must not differ from it; send outcome alone",
      },
    ]);
  }
  return outcome ?? status;
}
