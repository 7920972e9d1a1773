// Delivery attempt schemas (logs, deliveries, test sends) and presenter.

import { t } from "elysia";
import type { AttemptRecord } from "../../storage/records";
import { toRfc3339 } from "../rfc3339";
import { DateTime } from "./common";

export const AttemptModel = t.Object(
  {
    id: t.String({ examples: ["att_01JH8Z3K9D7Q2W4E6R8T0Y1U3I"] }),
    webhook_id: t.String(),
    delivery_id: t.Union([t.String(), t.Null()], { description: "Null for test sends." }),
    event_id: t.String(),
    event_type: t.String(),
    attempt: t.Integer({ description: "1-based attempt number." }),
    outcome: t.Union([t.Literal("succeeded"), t.Literal("failed")]),
    status_code: t.Union([t.Integer(), t.Null()], {
      description: "The receiver's HTTP status, if it answered.",
    }),
    error_class: t.Union([t.String(), t.Null()], {
      description:
        "timeout, connection_refused, dns, tls, reset, http_status, redirect, ssrf_blocked or network.",
    }),
    error_message: t.Union([t.String(), t.Null()]),
    duration_ms: t.Number(),
    response_body: t.Union([t.String(), t.Null()], { description: "The first 4 KiB of the response body." }),
    test: t.Boolean(),
    started_at: DateTime("When the attempt started."),
  },
  { description: "One try at delivering an event to a webhook." },
);

export function presentAttempt(a: AttemptRecord): typeof AttemptModel.static {
  return {
    id: a.id,
    webhook_id: a.webhook_id,
    delivery_id: a.delivery_id,
    event_id: a.event_id,
    event_type: a.event_type,
    attempt: a.attempt,
    outcome: a.outcome,
    status_code: a.status_code,
    error_class: a.error_class,
    error_message: a.error_message,
    duration_ms: a.duration_ms,
    response_body: a.response_body,
    test: a.test,
    started_at: toRfc3339(a.started_at),
  };
}
