// Event request and response schemas. The envelope is exactly the docs': {id, type, created_at, data}.

import { t } from "elysia";
import { eventCatalog } from "../../domain/event-catalog";
import type { DeliveryRecord, EventRecord } from "../../storage/records";
import { toRfc3339 } from "../rfc3339";
import { DateTime, IdString } from "./common";
import { DeliveryModel, presentDelivery } from "./delivery";

const BATCH_MAX = 1000;

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
        "Idempotency key within the account (1-128 of A-Z a-z 0-9 _ . : -); publishing the same id again answers the stored event and delivers nothing new. A fresh evt_ id when absent.",
      examples: ["evt_1234567890"],
    }),
  ),
};

export const PublishEventBody = t.Object(
  {
    ...EventInputProperties,
    account_id: t.Optional(IdString({ description: "Admin key only: the account." })),
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
    account_id: t.Optional(IdString({ description: "Admin key only: the account." })),
  },
  {
    additionalProperties: false,
    examples: docsExample ? [{ events: [{ type: docsExample.type, data: docsExample.data }] }] : [],
  },
);

export const BatchResponse = t.Object({ data: t.Array(EventEnvelope) });

export const EventWithDeliveries = t.Composite([
  EventEnvelope,
  t.Object({ deliveries: t.Array(DeliveryModel, { description: "One per webhook it fanned out to." }) }),
]);

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
  return { ...presentEvent(e), deliveries: deliveries.map(presentDelivery) };
}
