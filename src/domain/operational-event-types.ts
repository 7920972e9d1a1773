// The operational event types: what the operator's webhooks receive about every account. They are
// a catalog of their own (operationalCatalog), apart from the account types (eventCatalog): only
// the operator's webhooks may subscribe to them and only the delivery engine and the disabling
// publish them, so an account can neither publish nor receive one.

import { Type } from "@sinclair/typebox";
import { type BuiltInEventType, EventCatalog, RFC3339_PATTERN } from "./event-catalog";
import { DELIVERY_FAILED, WEBHOOK_DISABLED } from "./operator";

const Id = (description: string) => Type.String({ minLength: 1, description });
const NullableInteger = (description: string) => Type.Union([Type.Integer(), Type.Null()], { description });
const NullableString = (description: string) => Type.Union([Type.String(), Type.Null()], { description });

const OPERATIONAL: BuiltInEventType[] = [
  {
    type: WEBHOOK_DISABLED,
    description:
      "Operator only. Triggered when an account's webhook is disabled: its receiver answered 410 Gone (reason gone), every attempt failed for INBOX_DISABLE_AFTER (failing), or its account set enabled: false (manual). Its pending deliveries were cancelled.",
    operator_only: true,
    schema: Type.Object({
      account_id: Id("The account that owns the webhook."),
      webhook_id: Id("The webhook disabled."),
      reason: Type.Union([Type.Literal("gone"), Type.Literal("failing"), Type.Literal("manual")], {
        description: "Why it was disabled.",
      }),
      disabled_at: Type.String({
        format: "date-time",
        pattern: RFC3339_PATTERN,
        description: "When it was disabled.",
      }),
    }),
    example: {
      id: "evt_01JH8Z4M2N6P8R0T2V4X6Z8B0D",
      type: WEBHOOK_DISABLED,
      created_at: "2025-01-15T10:31:12Z",
      data: {
        account_id: "acct_01JH8Z3K9D7Q2W4E6R8T0Y1U3I",
        webhook_id: "wh_01JH8Z3K9D7Q2W4E6R8T0Y1U3J",
        reason: "gone",
        disabled_at: "2025-01-15T10:31:12Z",
      },
    },
  },
  {
    type: DELIVERY_FAILED,
    description:
      "Operator only. Triggered when an account's delivery exhausts its retry schedule (status failed), with its last error.",
    operator_only: true,
    schema: Type.Object({
      account_id: Id("The account the delivery belongs to."),
      webhook_id: Id("The webhook it was for."),
      event_id: Id("The event delivered."),
      event_type: Id("The event's type."),
      delivery_id: Id("The delivery that failed."),
      attempts: Type.Integer({ minimum: 1, description: "Attempts made." }),
      last_status_code: NullableInteger("The HTTP status of the last attempt, null when none came back."),
      last_error: NullableString("Why the last attempt failed."),
    }),
    example: {
      id: "evt_01JH8Z5Q4S6U8W0Y2A4C6E8G0J",
      type: DELIVERY_FAILED,
      created_at: "2025-01-15T13:07:03Z",
      data: {
        account_id: "acct_01JH8Z3K9D7Q2W4E6R8T0Y1U3I",
        webhook_id: "wh_01JH8Z3K9D7Q2W4E6R8T0Y1U3J",
        event_id: "evt_1234567890",
        event_type: "message.delivered",
        delivery_id: "dlv_01JH8Z3M1B3D5F7H9K1M3P5R7T",
        attempts: 6,
        last_status_code: 503,
        last_error: "HTTP 503",
      },
    },
  },
];

/** The operational types, which only the operator's webhooks receive. */
export const operationalCatalog = new EventCatalog(OPERATIONAL);
