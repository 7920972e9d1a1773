// The event catalog as the API shows it: the account types, then the operational types that only
// the operator's webhooks receive (operator_only: true).

import { t } from "elysia";
import type { EventTypeDefinition } from "../../domain/event-catalog";

export const EventTypeModel = t.Object({
  type: t.String({ examples: ["message.delivered"] }),
  description: t.String(),
  operator_only: t.Boolean({
    description:
      "True for the operational types (webhook.disabled, delivery.failed): only the operator's webhooks (registered with the admin key and no account_id) receive them; accounts can neither subscribe to them nor publish them.",
    examples: [false],
  }),
  schema: t.Record(t.String(), t.Unknown(), { description: "JSON schema of the event's `data`." }),
  example: t.Record(t.String(), t.Unknown(), { description: "A complete envelope, as in the docs." }),
});

export const EventTypeList = t.Object({ data: t.Array(EventTypeModel) });

export function presentEventType(d: EventTypeDefinition): typeof EventTypeModel.static {
  // JSON round trip drops TypeBox's symbol keys, leaving the plain JSON schema.
  return {
    type: d.type,
    description: d.description,
    operator_only: d.operator_only === true,
    schema: JSON.parse(JSON.stringify(d.schema)),
    example: structuredClone(d.example) as unknown as Record<string, unknown>,
  };
}
