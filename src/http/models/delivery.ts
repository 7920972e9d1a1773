// Delivery schemas and presenter: the state of one event's trip to one webhook.

import { t } from "elysia";
import type { AttemptRecord, DeliveryRecord } from "../../storage/records";
import { toRfc3339, toRfc3339OrNull } from "../rfc3339";
import { AttemptModel, presentAttempt } from "./attempt";
import { DateTime, ErrorResponse } from "./common";

const NullableTime = (description: string) => t.Union([DateTime(description), t.Null()]);

export const DeliveryModel = t.Object(
  {
    id: t.String({ examples: ["dlv_01JH8Z3K9D7Q2W4E6R8T0Y1U3I"] }),
    event_id: t.String(),
    event_type: t.String(),
    webhook_id: t.String(),
    status: t.Union([
      t.Literal("pending"),
      t.Literal("succeeded"),
      t.Literal("failed"),
      t.Literal("cancelled"),
    ]),
    attempts: t.Integer({ description: "Attempts made so far." }),
    next_attempt_at: NullableTime("When the next attempt is due, while pending."),
    last_attempt_at: NullableTime("When the last attempt started."),
    last_status_code: t.Union([t.Integer(), t.Null()]),
    last_error: t.Union([t.String(), t.Null()]),
    created_at: DateTime("When the delivery was created."),
    updated_at: DateTime("When it last changed."),
  },
  { description: "One event's delivery to one webhook." },
);

/** 202 of a manual retry: the delivery pending again, due now; its attempt count goes on. */
export const RetriedDelivery = t.Object(DeliveryModel.properties, {
  description: "The delivery, pending again and due now; earlier attempts stay in its log.",
  examples: [
    {
      id: "dlv_01JH8Z3K9D7Q2W4E6R8T0Y1U3I",
      event_id: "evt_1234567890",
      event_type: "message.delivered",
      webhook_id: "wh_01JH8Z3K9D7Q2W4E6R8T0Y1U3I",
      status: "pending",
      attempts: 8,
      next_attempt_at: "2025-01-15T14:05:00Z",
      last_attempt_at: "2025-01-15T13:44:12Z",
      last_status_code: 503,
      last_error: "HTTP 503",
      created_at: "2025-01-15T11:02:41Z",
      updated_at: "2025-01-15T14:05:00Z",
    },
  ],
});

/** 409 of a manual retry: the reasons nothing would be sent, each with its own message. */
export const RetryConflict = t.Object(ErrorResponse.properties, {
  description:
    "The delivery already succeeded, or its webhook is disabled or has been deleted (or, when this replica has not yet seen which, has just been one or the other).",
  examples: [
    {
      error: {
        code: "conflict",
        message:
          "the delivery's webhook is disabled: enable it (PUT /v1/webhooks/{id} with enabled: true) and retry",
      },
    },
    {
      error: {
        code: "conflict",
        message: "the delivery's webhook has been deleted: there is nowhere to send it",
      },
    },
    { error: { code: "conflict", message: "the delivery already succeeded" } },
    {
      error: {
        code: "conflict",
        message:
          "the delivery's webhook has just been disabled or deleted: there is nowhere to send it (if it was disabled, enable it and retry)",
      },
    },
  ],
});

/** One delivery in detail: here `attempts` lists every attempt (oldest first) instead of counting them. */
export const DeliveryWithAttempts = t.Composite([
  t.Omit(DeliveryModel, ["attempts"]),
  t.Object({ attempts: t.Array(AttemptModel, { description: "Every attempt, oldest first." }) }),
]);

export function presentDelivery(d: DeliveryRecord): typeof DeliveryModel.static {
  return {
    id: d.id,
    event_id: d.event_id,
    event_type: d.event_type,
    webhook_id: d.webhook_id,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: toRfc3339OrNull(d.next_attempt_at),
    last_attempt_at: toRfc3339OrNull(d.last_attempt_at),
    last_status_code: d.last_status_code,
    last_error: d.last_error,
    created_at: toRfc3339(d.created_at),
    updated_at: toRfc3339(d.updated_at),
  };
}

export function presentDeliveryWithAttempts(
  d: DeliveryRecord,
  attempts: AttemptRecord[],
): typeof DeliveryWithAttempts.static {
  return { ...presentDelivery(d), attempts: attempts.map(presentAttempt) };
}
