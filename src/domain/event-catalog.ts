// The event types this appliance knows: for each, a description and example taken word for word
// from the public docs, and a TypeBox schema of `data` derived from that example. The catalog is a
// data structure so operators can add types (`registerEventType`) without touching the API code.
// Schemas allow extra properties so the platform can grow payloads without breaking publishers.

import { FormatRegistry, type TObject, type TSchema, Type } from "@sinclair/typebox";
import { type TypeCheck, TypeCompiler } from "@sinclair/typebox/compiler";
import type { FieldIssue } from "./errors";
import { describeValueError } from "./value-issues";

/** RFC 3339 date-time, e.g. 2025-01-15T10:25:03Z or 2025-01-15T10:25:03.120+01:00. */
export const RFC3339_PATTERN = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|z|[+-]\\d{2}:\\d{2})$";
const RFC3339 = new RegExp(RFC3339_PATTERN);

// TypeBox checks `format` only through its registry. Register a strict checker when nobody has;
// the explicit pattern below keeps the check strict even if a laxer checker was registered first.
if (!FormatRegistry.Has("date-time")) {
  FormatRegistry.Set("date-time", (v) => RFC3339.test(v) && !Number.isNaN(Date.parse(v)));
}

const DateTime = (description: string) =>
  Type.String({ format: "date-time", pattern: RFC3339_PATTERN, description });
const MessageId = Type.String({ minLength: 1, description: "The message this event is about." });
const Recipient = Type.String({ minLength: 1, description: "The recipient's phone number (E.164)." });
const DeviceId = Type.String({ minLength: 1, description: "The recipient's device." });

export interface EventEnvelopeExample {
  id: string;
  type: string;
  created_at: string;
  data: Record<string, unknown>;
}

export interface EventTypeDefinition {
  type: string;
  description: string;
  /** JSON schema of the envelope's `data`. */
  schema: TObject;
  /** A complete envelope, as the docs show it. */
  example: EventEnvelopeExample;
  /**
   * An operational type (./operational-event-types.ts): only the operator's webhooks receive it,
   * and no account may publish it or subscribe to it. Absent for the account types.
   */
  operator_only?: boolean;
}

const BUILT_IN: EventTypeDefinition[] = [
  {
    type: "message.delivered",
    description: "Triggered when a message is successfully delivered to the recipient's device.",
    schema: Type.Object({
      message_id: MessageId,
      to: Recipient,
      delivered_at: DateTime("When the message reached the device."),
      device_id: DeviceId,
    }),
    example: {
      id: "evt_1234567890",
      type: "message.delivered",
      created_at: "2025-01-15T10:25:03Z",
      data: {
        message_id: "msg_1234567890",
        to: "+15551234567",
        delivered_at: "2025-01-15T10:25:03Z",
        device_id: "dev_abcdef123456",
      },
    },
  },
  {
    type: "message.read",
    description: "Triggered when a recipient opens and reads a message.",
    schema: Type.Object({
      message_id: MessageId,
      to: Recipient,
      read_at: DateTime("When the recipient read the message."),
      device_id: DeviceId,
    }),
    example: {
      id: "evt_1234567891",
      type: "message.read",
      created_at: "2025-01-15T10:25:15Z",
      data: {
        message_id: "msg_1234567890",
        to: "+15551234567",
        read_at: "2025-01-15T10:25:15Z",
        device_id: "dev_abcdef123456",
      },
    },
  },
  {
    type: "message.failed",
    description: "Triggered when a message fails to deliver after all retry attempts.",
    schema: Type.Object({
      message_id: MessageId,
      to: Recipient,
      error_code: Type.String({ minLength: 1, description: "Machine-readable reason." }),
      error_message: Type.String({ description: "Human-readable reason." }),
      failed_at: DateTime("When delivery was given up."),
    }),
    example: {
      id: "evt_1234567892",
      type: "message.failed",
      created_at: "2025-01-15T10:30:00Z",
      data: {
        message_id: "msg_1234567890",
        to: "+15551234567",
        error_code: "recipient_unreachable",
        error_message: "Recipient has not installed the Inbox app",
        failed_at: "2025-01-15T10:30:00Z",
      },
    },
  },
  {
    type: "message.action",
    description: "Triggered when a recipient interacts with action buttons in a message.",
    schema: Type.Object({
      message_id: MessageId,
      to: Recipient,
      action: Type.String({ minLength: 1, description: "The action chosen, e.g. confirm." }),
      action_data: Type.Object({
        button_id: Type.String({ minLength: 1, description: "The button pressed." }),
        // Free-form data the sender attached to the button; optional since not every button has it.
        custom_data: Type.Optional(
          Type.Record(Type.String(), Type.Unknown(), {
            description: "Free-form data attached by the sender.",
          }),
        ),
      }),
      clicked_at: DateTime("When the button was pressed."),
    }),
    example: {
      id: "evt_1234567893",
      type: "message.action",
      created_at: "2025-01-15T10:26:00Z",
      data: {
        message_id: "msg_1234567890",
        to: "+15551234567",
        action: "confirm",
        action_data: {
          button_id: "btn_confirm",
          custom_data: { order_id: "A-123" },
        },
        clicked_at: "2025-01-15T10:26:00Z",
      },
    },
  },
];

/** The wildcard a webhook may subscribe to instead of listing types. */
export const ALL_EVENTS = "*";

export class EventCatalog {
  private readonly definitions = new Map<string, EventTypeDefinition>();
  private readonly checks = new Map<string, TypeCheck<TSchema>>();

  constructor(definitions: EventTypeDefinition[]) {
    for (const d of definitions) this.register(d);
  }

  /** Adds (or replaces) a type; its schema is compiled once, here. */
  register(definition: EventTypeDefinition): void {
    this.definitions.set(definition.type, definition);
    this.checks.set(definition.type, TypeCompiler.Compile(definition.schema));
  }

  types(): string[] {
    return [...this.definitions.keys()];
  }

  has(type: string): boolean {
    return this.definitions.has(type);
  }

  get(type: string): EventTypeDefinition | undefined {
    return this.definitions.get(type);
  }

  list(): EventTypeDefinition[] {
    return [...this.definitions.values()];
  }

  /** Issues with `data` for this type, fields as paths under `/data`; empty when it fits. */
  validate(type: string, data: unknown): FieldIssue[] {
    const check = this.checks.get(type);
    if (!check)
      return [{ field: "/type", reason: `unknown event type; known types: ${this.types().join(", ")}` }];
    if (check.Check(data)) return [];
    const issues: FieldIssue[] = [];
    const seen = new Set<string>();
    for (const e of check.Errors(data)) {
      const field = `/data${e.path}`;
      if (seen.has(field)) continue; // the first reason per field is the useful one
      seen.add(field);
      issues.push({ field, reason: describeValueError(e) });
      if (issues.length >= 20) break;
    }
    return issues;
  }

  /** The docs' example `data` of this type (a fresh copy), for test sends. */
  sample(type: string): Record<string, unknown> | undefined {
    const d = this.definitions.get(type);
    return d ? structuredClone(d.example.data) : undefined;
  }
}

/** The catalog with the four documented types. */
export const eventCatalog = new EventCatalog(BUILT_IN);
