// The event catalog as the API shows it: the built-in account types, the operator's own types
// (POST /v1/event-types), then the operational types that only the operator's webhooks receive
// (operator_only: true); and the bodies that register and replace an operator type.

import { t } from "elysia";
import type { EventTypeDefinition } from "../../domain/event-catalog";
import { EVENT_TYPE_NAME_MAX, EVENT_TYPE_NAME_PATTERN } from "../../domain/event-types-service";
import { toRfc3339 } from "../rfc3339";

const ORDER_SCHEMA = {
  type: "object",
  required: ["order_id", "status", "total"],
  properties: {
    order_id: { type: "string", pattern: "^ord_[A-Za-z0-9]+$" },
    status: { enum: ["paid", "shipped", "cancelled"] },
    total: {
      type: "object",
      required: ["amount", "currency"],
      properties: {
        amount: { type: "integer", minimum: 0 },
        currency: { type: "string", pattern: "^[A-Z]{3}$" },
      },
    },
    email: { type: "string", format: "email" },
  },
};
const ORDER_EXAMPLE = {
  order_id: "ord_8F2K",
  status: "paid",
  total: { amount: 4200, currency: "EUR" },
  email: "ada@example.com",
};

export const EventTypeModel = t.Object(
  {
    type: t.String({ examples: ["message.delivered"] }),
    description: t.String(),
    operator_only: t.Boolean({
      description:
        "True for the operational types (webhook.disabled, delivery.failed): only the operator's webhooks (registered with the admin key and no account_id) receive them; accounts can neither subscribe to them nor publish them.",
      examples: [false],
    }),
    built_in: t.Boolean({
      description:
        "True for the documented message.* types and the operational types, which cannot be created, changed or archived; false for the operator's own types.",
      examples: [true],
    }),
    archived: t.Boolean({
      description:
        "True for an operator type archived with DELETE /v1/event-types/{name}: it takes no new events or subscriptions; its events stay readable and webhooks keep the subscription. Listed only with ?include_archived=true.",
      examples: [false],
    }),
    schema: t.Record(t.String(), t.Unknown(), {
      description: "JSON Schema of the event's `data` (draft 2020-12 for the operator's types).",
    }),
    example: t.Union([t.Record(t.String(), t.Unknown()), t.Null()], {
      description:
        "A complete envelope: the docs' for built-in types, built from the registered example for the operator's; null when none was given (a test send of the type then answers 422).",
    }),
    created_at: t.Union([t.String({ format: "date-time" }), t.Null()], {
      description: "When the operator registered it; null for built-in types.",
    }),
    updated_at: t.Union([t.String({ format: "date-time" }), t.Null()], {
      description: "When it was last replaced or archived; null for built-in types.",
    }),
  },
  {
    examples: [
      {
        type: "order.paid",
        description: "An order was paid.",
        operator_only: false,
        built_in: false,
        archived: false,
        schema: ORDER_SCHEMA,
        example: {
          id: "evt_1234567890",
          type: "order.paid",
          created_at: "2025-01-15T10:25:03Z",
          data: ORDER_EXAMPLE,
        },
        created_at: "2025-01-15T10:25:03Z",
        updated_at: "2025-01-15T10:25:03Z",
      },
    ],
  },
);

export const EventTypeList = t.Object({ data: t.Array(EventTypeModel) });

export const EventTypeNameParams = t.Object({
  name: t.String({ description: "The event type's name.", examples: ["order.paid"] }),
});

export const EventTypeListQuery = t.Object({
  include_archived: t.Optional(
    t.Union([t.Literal("true"), t.Literal("false")], {
      description: "true lists archived operator types too (archived: true); hidden by default.",
    }),
  ),
});

const definitionProperties = {
  description: t.String({
    minLength: 1,
    maxLength: 1000,
    description: "What the event means, 1 to 1000 characters.",
  }),
  schema: t.Record(t.String(), t.Unknown(), {
    description:
      'A JSON Schema (draft 2020-12) of `data` with `type: "object"`, at most 64 KiB; `$ref` only within itself (nothing is fetched); unknown keywords and formats are refused. Checked when registered (422 naming the pointer in /schema), enforced on publish (422 naming the pointer of the bad value under /data).',
  }),
  example: t.Optional(
    t.Union([t.Record(t.String(), t.Unknown()), t.Null()], {
      description: "An example `data`; must fit the schema. Test sends of the type send it.",
    }),
  ),
};

export const CreateEventTypeBody = t.Object(
  {
    name: t.String({
      maxLength: EVENT_TYPE_NAME_MAX,
      description: `Lower-case words of a-z 0-9 _ joined by dots, at least two (${EVENT_TYPE_NAME_PATTERN}); never one of the built-in types.`,
      examples: ["order.paid"],
    }),
    ...definitionProperties,
  },
  {
    additionalProperties: false,
    examples: [
      { name: "order.paid", description: "An order was paid.", schema: ORDER_SCHEMA, example: ORDER_EXAMPLE },
    ],
  },
);

export const ReplaceEventTypeBody = t.Object(definitionProperties, {
  additionalProperties: false,
  examples: [{ description: "An order was paid in full.", schema: ORDER_SCHEMA, example: ORDER_EXAMPLE }],
});

export function presentEventType(d: EventTypeDefinition): typeof EventTypeModel.static {
  return {
    type: d.type,
    description: d.description,
    operator_only: d.operator_only === true,
    built_in: d.defined === undefined,
    archived: d.defined?.archived_at != null,
    // JSON round trip drops TypeBox's symbol keys, leaving the plain JSON schema.
    schema: JSON.parse(JSON.stringify(d.schema)),
    example: d.example === null ? null : (structuredClone(d.example) as unknown as Record<string, unknown>),
    created_at: d.defined ? toRfc3339(d.defined.created_at) : null,
    updated_at: d.defined ? toRfc3339(d.defined.updated_at) : null,
  };
}
