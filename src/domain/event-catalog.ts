// The event types this appliance knows: for each, a description and example taken word for word
// from the public docs, and a TypeBox schema of `data` derived from that example. The catalog is a
// data structure: the operator's own types (POST /v1/event-types) join the built-in ones through
// `withTypes` (./event-type-registry.ts), each with its compiled JSON Schema check.
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
  schema: TObject | Record<string, unknown>;
  /** A complete envelope, as the docs show it; null for an operator type registered without one. */
  example: EventEnvelopeExample | null;
  /**
   * An operational type (./operational-event-types.ts): only the operator's webhooks receive it,
   * and no account may publish it or subscribe to it. Absent for the account types.
   */
  operator_only?: boolean;
  /** Set for the operator's own types (POST /v1/event-types); absent for the built-in ones. */
  defined?: { archived_at: number | null; created_at: number; updated_at: number };
}

/** A built-in type: it always has the docs' example. */
export type BuiltInEventType = EventTypeDefinition & { example: EventEnvelopeExample };

/** Issues with an event's `data`, fields as JSON pointers under `/data`; empty when it fits. */
export type DataCheck = (data: unknown) => FieldIssue[];

const BUILT_IN: BuiltInEventType[] = [
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

/** Where a service finds the catalog now: a fixed catalog, or a store's (./event-type-registry.ts). */
export interface CatalogSource {
  current(): Promise<EventCatalog>;
}

export class EventCatalog<D extends EventTypeDefinition = EventTypeDefinition> implements CatalogSource {
  private readonly definitions = new Map<string, D>();
  private readonly checks = new Map<string, DataCheck>();

  constructor(definitions: D[]) {
    for (const d of definitions) this.register(d);
  }

  /** A fixed catalog is its own source. */
  current(): Promise<EventCatalog> {
    return Promise.resolve(this as EventCatalog);
  }

  /** Adds (or replaces) a type whose schema is TypeBox's; it is compiled once, here. */
  register(definition: D): void {
    const check = TypeCompiler.Compile(definition.schema as TSchema);
    this.add(definition, (data) => (check.Check(data) ? [] : typeBoxIssues(check, data)));
  }

  /** A new catalog: this one's types, then `more` with their own checks (same names replaced). */
  withTypes(more: ReadonlyArray<{ definition: EventTypeDefinition; check: DataCheck }>): EventCatalog {
    const next = new EventCatalog<EventTypeDefinition>([]);
    for (const [type, definition] of this.definitions)
      next.add(definition, this.checks.get(type) as DataCheck);
    for (const m of more) next.add(m.definition, m.check);
    return next;
  }

  private add(definition: D, check: DataCheck): void {
    this.definitions.set(definition.type, definition);
    this.checks.set(definition.type, check);
  }

  /** The active types (archived ones are not), in catalog order. */
  types(): string[] {
    return this.list().map((d) => d.type);
  }

  /** Whether events of this type may be published and subscribed to now (known, not archived). */
  has(type: string): boolean {
    const d = this.definitions.get(type);
    return d !== undefined && !isArchived(d);
  }

  /** Any known type, archived ones too. */
  get(type: string): D | undefined {
    return this.definitions.get(type);
  }

  /** The active types; with `archived`, the archived ones too (in place). */
  list(archived = false): D[] {
    return [...this.definitions.values()].filter((d) => archived || !isArchived(d));
  }

  /** Why `type` cannot be published or subscribed to (it is unknown, or archived); for has() false. */
  refusal(type: string, known = this.types().join(", ")): string {
    return this.definitions.has(type)
      ? `event type "${type}" is archived: it takes no new events or subscriptions (its events stay readable)`
      : `unknown event type "${type}"; known types: ${known}`;
  }

  /** Issues with `data` for this type, fields as paths under `/data`; empty when it fits. */
  validate(type: string, data: unknown): FieldIssue[] {
    const check = this.has(type) ? this.checks.get(type) : undefined;
    if (!check) return [{ field: "/type", reason: this.refusal(type) }];
    return check(data);
  }

  /** The example `data` of this type (a fresh copy), for test sends; undefined when it has none. */
  sample(type: string): Record<string, unknown> | undefined {
    const d = this.definitions.get(type);
    return d?.example ? structuredClone(d.example.data) : undefined;
  }
}

const isArchived = (d: EventTypeDefinition) => d.defined !== undefined && d.defined.archived_at !== null;

function typeBoxIssues(check: TypeCheck<TSchema>, data: unknown): FieldIssue[] {
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

/** The catalog with the four documented types. */
export const eventCatalog = new EventCatalog(BUILT_IN);
