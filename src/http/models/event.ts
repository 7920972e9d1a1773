// Event request and response schemas. The envelope is exactly the docs': {id, type, created_at, data}.

import { Type } from "@sinclair/typebox";
import { t } from "elysia";
import { CHANNEL_PATTERN, EVENT_CHANNELS_MAX } from "../../domain/channels";
import { eventCatalog } from "../../domain/event-catalog";
import type { DeliveryRecord, EventRecord } from "../../storage/records";
import { toRfc3339 } from "../rfc3339";
import { DateTime, ErrorResponse, IdString } from "./common";
import { DeliveryModel, presentDelivery } from "./delivery";

const BATCH_MAX = 1000;

/** Publishing always names its account with the admin key: only the appliance publishes the operator's. */
const PublishAccountId = t.Optional(
  IdString({
    description:
      "Admin key only: the account to publish for (required with the admin key: the operator's own events are the operational events, which only the appliance publishes).",
  }),
);

const docsExample = eventCatalog.get("message.delivered")?.example;

export const EventEnvelope = t.Object(
  {
    id: t.String({ examples: ["evt_1234567890"] }),
    type: t.String({ examples: ["message.delivered"] }),
    created_at: DateTime("When the event was accepted."),
    data: t.Record(t.String(), t.Unknown(), { description: "Fits the type's schema (GET /v1/event-types)." }),
  },
  { description: "The event as receivers get it.", examples: docsExample ? [docsExample] : [] },
);

const EventInputProperties = {
  type: t.String({ description: "An event type from GET /v1/event-types.", examples: ["message.delivered"] }),
  data: t.Object({}, { additionalProperties: true, description: "The payload; must fit the type's schema." }),
  id: t.Optional(
    t.String({
      pattern: "^[A-Za-z0-9_.:-]{1,128}$",
      description:
        "Idempotency key within the account (1-128 of A-Z a-z 0-9 _ . : -); publishing the same id again with the same type and data answers the stored event (replayed: true) and delivers nothing new; with a different type or data it answers 409 idempotency_conflict. A fresh evt_ id when absent.",
      examples: ["evt_1234567890"],
    }),
  ),
  channels: t.Optional(
    t.Array(t.String({ pattern: CHANNEL_PATTERN }), {
      maxItems: EVENT_CHANNELS_MAX,
      description: `At most ${EVENT_CHANNELS_MAX} channels (1-128 of a-z A-Z 0-9 . _ : -). Webhooks without channels receive the event as before; a webhook with channels receives it only when it shares one. Never part of the envelope receivers get.`,
      examples: [["eu-west", "tenant:acme"]],
    }),
  ),
};

export const PublishEventBody = t.Object(
  {
    ...EventInputProperties,
    account_id: PublishAccountId,
  },
  {
    additionalProperties: false,
    examples: docsExample ? [{ type: docsExample.type, data: docsExample.data }] : [],
  },
);

export const PublishBatchBody = t.Object(
  {
    events: t.Array(t.Object(EventInputProperties, { additionalProperties: false }), {
      minItems: 1,
      maxItems: BATCH_MAX,
      description: `1 to ${BATCH_MAX} events, validated all or none.`,
    }),
    account_id: PublishAccountId,
  },
  {
    additionalProperties: false,
    examples: docsExample ? [{ events: [{ type: docsExample.type, data: docsExample.data }] }] : [],
  },
);

/** The publish answer: the envelope, and what this call did with it. */
export const PublishedEvent = t.Composite(
  [
    EventEnvelope,
    t.Object({
      // TypeBox's plain Integer: Elysia's t.Integer is a transform (it takes the text "5" on input),
      // and a transform anywhere in a response schema makes Elysia answer through TypeBox's
      // interpreted Encode instead of its compiled Check: 2-4 us more a publish, measured. The
      // OpenAPI document is the same (client-generation-in-spec.ts collapses t.Integer to this).
      delivery_count: Type.Integer({
        minimum: 0,
        description:
          "Deliveries this call created: one per subscribed, enabled webhook taking the event's channels; 0 on a replay.",
        examples: [2],
      }),
      replayed: t.Boolean({
        description:
          "True when the id was already stored with the same type and data: the stored event is answered and nothing new is delivered.",
        examples: [false],
      }),
    }),
  ],
  {
    description: "The event as receivers get it, with what the publish created.",
    examples: docsExample ? [{ ...docsExample, delivery_count: 2, replayed: false }] : [],
  },
);

export const BatchResponse = t.Object({
  data: t.Array(PublishedEvent, { description: "In the order sent." }),
});

/** 409 of a publish reusing an id with a different type or data. */
export const IdempotencyConflict = t.Object(ErrorResponse.properties, {
  description: "The id was already used for an event with a different type or data; nothing was written.",
  examples: [
    {
      error: {
        code: "idempotency_conflict",
        message:
          "this id was already used for an event with a different type or data: use a new id for a new event, or send the same type and data to replay it",
        details: [{ field: "/data", reason: "differs from the event stored with this id" }],
      },
    },
  ],
});

export function presentPublished(o: {
  event: EventRecord;
  replayed: boolean;
  deliveries: readonly unknown[];
}): typeof PublishedEvent.static {
  return { ...presentEvent(o.event), delivery_count: o.deliveries.length, replayed: o.replayed };
}

export const EventWithDeliveries = t.Composite([
  EventEnvelope,
  t.Object({
    channels: t.Array(t.String(), {
      description: "The channels it was published with; empty when none. Receivers never see them.",
      examples: [["eu-west"]],
    }),
    deliveries: t.Array(DeliveryModel, { description: "One per webhook it fanned out to." }),
  }),
]);

export const ReplayBody = t.Object(
  {
    webhook_id: t.Optional(
      IdString({
        description:
          "Replay to this webhook only: one of the account's webhooks, enabled (whatever its `events` and `channels`). Without it, to every enabled webhook of the account subscribed to the event's type now that takes the event's channels, as a publish would choose them.",
        examples: ["wh_01JH8Z3K9D7Q2W4E6R8T0Y1U3I"],
      }),
    ),
  },
  { additionalProperties: false, examples: [{ webhook_id: "wh_01JH8Z3K9D7Q2W4E6R8T0Y1U3I" }, {}] },
);

export const ReplayResponse = t.Object(
  {
    event_id: t.String({ examples: ["evt_1234567890"] }),
    deliveries: t.Array(DeliveryModel, {
      description: "The new deliveries, pending and due now; empty when no enabled webhook is subscribed.",
    }),
  },
  {
    description: "What the replay created.",
    examples: [
      {
        event_id: "evt_1234567890",
        deliveries: [
          {
            id: "dlv_01JH9A0B1C2D3E4F5G6H7J8K9M",
            event_id: "evt_1234567890",
            event_type: "message.delivered",
            webhook_id: "wh_01JH8Z3K9D7Q2W4E6R8T0Y1U3I",
            status: "pending",
            attempt_count: 0,
            next_attempt_at: "2025-01-15T11:02:41Z",
            last_attempt_at: null,
            last_status_code: null,
            last_error: null,
            created_at: "2025-01-15T11:02:41Z",
            updated_at: "2025-01-15T11:02:41Z",
          },
        ],
      },
    ],
  },
);

/** 409 of a replay to a named webhook that is disabled. */
export const ReplayConflict = t.Object(ErrorResponse.properties, {
  description: "The named webhook is disabled.",
  examples: [
    {
      error: {
        code: "conflict",
        message:
          "the webhook is disabled: enable it (PUT /v1/webhooks/{id} with enabled: true) to replay events to it",
      },
    },
  ],
});

export function presentReplay(eventId: string, deliveries: DeliveryRecord[]): typeof ReplayResponse.static {
  return { event_id: eventId, deliveries: deliveries.map(presentDelivery) };
}

export function presentEvent(e: EventRecord): typeof EventEnvelope.static {
  return {
    id: e.id,
    type: e.type,
    created_at: toRfc3339(e.created_at),
    data: e.data as Record<string, unknown>,
  };
}

export function presentEventWithDeliveries(
  e: EventRecord,
  deliveries: DeliveryRecord[],
): typeof EventWithDeliveries.static {
  return { ...presentEvent(e), channels: e.channels ?? [], deliveries: deliveries.map(presentDelivery) };
}
