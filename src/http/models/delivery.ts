// Delivery schemas and presenter: the state of one event's trip to one webhook.

import { t } from "elysia";
import type { AttemptRecord, DeliveryRecord } from "../../storage/records";
import { toRfc3339, toRfc3339OrNull } from "../rfc3339";
import { AttemptModel, presentAttempt } from "./attempt";
import { DateTime, ErrorResponse, IdString, OwnerAccountIdQuery, PageLimit } from "./common";

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
    attempt_count: t.Integer({
      minimum: 0,
      description: "Attempts made so far (GET /v1/deliveries/{id} lists them as `attempts`).",
    }),
    next_attempt_at: NullableTime("When the next attempt is due, while pending."),
    last_attempt_at: NullableTime("When the last attempt started."),
    last_status_code: t.Union([t.Integer(), t.Null()]),
    last_error: t.Union([t.String(), t.Null()]),
    created_at: DateTime("When the delivery was created."),
    updated_at: DateTime("When it last changed."),
  },
  { description: "One event's delivery to one webhook." },
);

const DeliveryStatus = t.Union(
  [t.Literal("pending"), t.Literal("succeeded"), t.Literal("failed"), t.Literal("cancelled")],
  { description: "The delivery's state now." },
);

/** GET /v1/deliveries: every filter narrows (AND). */
export const DeliveriesQuery = t.Object({
  webhook_id: t.Optional(
    IdString({ description: "Deliveries to this webhook (404 when the account has no such webhook)." }),
  ),
  status: t.Optional(DeliveryStatus),
  event_type: t.Optional(IdString({ description: "Deliveries of events of this type." })),
  event_id: t.Optional(IdString({ description: "Deliveries of this event (its replays included)." })),
  since: t.Optional(
    t.String({
      description: "RFC 3339; deliveries of events created at or after.",
      examples: ["2025-01-15T00:00:00Z"],
    }),
  ),
  until: t.Optional(
    t.String({
      description: "RFC 3339; deliveries of events created before.",
      examples: ["2025-01-16T00:00:00Z"],
    }),
  ),
  limit: t.Optional(PageLimit),
  cursor: t.Optional(t.String({ description: "The next_cursor of the previous page." })),
  account_id: OwnerAccountIdQuery("deliveries"),
});

const LISTED_EXAMPLE = {
  id: "dlv_01JH8Z3K9D7Q2W4E6R8T0Y1U3I",
  event_id: "evt_01JH8Z3K9C2V6N8M0Q4W6E8R0T",
  event_type: "message.delivered",
  webhook_id: "wh_01JH8Z3K9D7Q2W4E6R8T0Y1U3I",
  status: "failed",
  attempt_count: 12,
  next_attempt_at: null,
  last_attempt_at: "2025-01-15T13:27:45Z",
  last_status_code: 503,
  last_error: "HTTP 503",
  created_at: "2025-01-15T10:25:03Z",
  updated_at: "2025-01-15T13:27:45Z",
};

/** 200 of GET /v1/deliveries. */
export const DeliveryList = t.Object(
  {
    data: t.Array(DeliveryModel),
    next_cursor: t.Union([t.String(), t.Null()], {
      description:
        "Pass as `cursor` for the next page; null at the end. A page may hold fewer than `limit` deliveries, even none, and still carry a cursor: one page examines a bounded part of the history.",
    }),
  },
  {
    description:
      "Deliveries, newest event first; an event's deliveries newest first (replays before the originals).",
    examples: [
      { data: [LISTED_EXAMPLE], next_cursor: "WyJkbHYiLCJhY2N0XzAxIiwxNzM2OTM2NzAzMDAwLCJldnRfMDEiLDBd" },
    ],
  },
);

/** 404 of GET /v1/deliveries: a webhook_id the account does not have. */
export const DeliveriesNotFound = t.Object(ErrorResponse.properties, {
  description:
    "webhook_id names a webhook the account does not have (unknown, deleted or another account's).",
  examples: [{ error: { code: "not_found", message: "webhook not found" } }],
});

/** 422 of GET /v1/deliveries: a filter that is not valid, named. */
export const DeliveriesInvalid = t.Object(ErrorResponse.properties, {
  description: "A filter is not valid: each offending query parameter is named in details.",
  examples: [
    {
      error: {
        code: "validation_failed",
        message: "the request is not valid",
        details: [{ field: "since", reason: "must be an RFC 3339 date-time such as 2025-01-15T10:25:03Z" }],
      },
    },
    {
      error: {
        code: "validation_failed",
        message: "the time range is empty",
        details: [{ field: "since", reason: "must not be after until" }],
      },
    },
  ],
});

/** 400 of a listing given a cursor it did not make. */
export const InvalidCursor = t.Object(ErrorResponse.properties, {
  description: "The cursor is malformed, or belongs to another listing or account.",
  examples: [
    { error: { code: "invalid_cursor", message: "cursor is malformed or does not belong to this listing" } },
  ],
});

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
      attempt_count: 8,
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

/**
 * One delivery in detail: `attempts` lists every attempt (oldest first) beside `attempt_count`. A
 * count is always `attempt_count`, a list always `attempts`.
 */
export const DeliveryWithAttempts = t.Composite([
  DeliveryModel,
  t.Object({ attempts: t.Array(AttemptModel, { description: "Every attempt, oldest first." }) }),
]);

export function presentDelivery(d: DeliveryRecord): typeof DeliveryModel.static {
  return {
    id: d.id,
    event_id: d.event_id,
    event_type: d.event_type,
    webhook_id: d.webhook_id,
    status: d.status,
    attempt_count: d.attempts,
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
