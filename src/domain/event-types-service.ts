// The operator's event types: register, replace, archive, and read the catalog they join. The
// built-in types (the documented message.* types and the operational ones) are never created,
// changed or archived here. A type is never deleted: archiving stops new events and new
// subscriptions of it, while its events, their deliveries and the webhooks subscribed stay.

import type { EventTypeChange, EventTypeRecord } from "../storage/records";
import type { Store } from "../storage/store";
import { DomainError, type FieldIssue } from "./errors";
import type { EventCatalog, EventTypeDefinition } from "./event-catalog";
import type { EventTypeRegistry } from "./event-type-registry";
import { compileDataSchema } from "./event-type-schema";

/** `a.b`, `order_item.created_v2`: lower-case words joined by dots, at least two. */
export const EVENT_TYPE_NAME_PATTERN = "^[a-z0-9_]+(\\.[a-z0-9_]+)+$";
const NAME = new RegExp(EVENT_TYPE_NAME_PATTERN);
export const EVENT_TYPE_NAME_MAX = 128;
/** Operator types a store may hold, archived ones included (they keep their names). */
const EVENT_TYPES_MAX = 1_000;

export interface EventTypeInput {
  description: string;
  schema: Record<string, unknown>;
  example?: Record<string, unknown> | null;
}

export interface EventTypesServiceDeps {
  store: Store;
  registry: EventTypeRegistry;
  /** The operational types, which are built in too. */
  operationalCatalog: EventCatalog;
  now: () => number;
}

export class EventTypesService {
  constructor(private readonly deps: EventTypesServiceDeps) {}

  /** Every type: account types (built-in, then the operator's), then the operational ones. */
  async list(includeArchived: boolean): Promise<EventTypeDefinition[]> {
    const catalog = await this.deps.registry.current();
    return [...catalog.list(includeArchived), ...this.deps.operationalCatalog.list()];
  }

  async get(name: string): Promise<EventTypeDefinition> {
    const found = (await this.deps.registry.current()).get(name) ?? this.deps.operationalCatalog.get(name);
    if (!found) throw DomainError.notFound("event type");
    return found;
  }

  async create(name: string, input: EventTypeInput): Promise<EventTypeDefinition> {
    const nameIssue = checkName(name);
    if (nameIssue) throw DomainError.invalid("the event type is not valid", [nameIssue]);
    await this.assertNotBuiltIn(name);
    const change = this.checked(input);
    if ((await this.deps.store.eventTypes.list()).length >= EVENT_TYPES_MAX) {
      throw DomainError.invalid("too many event types", [
        { field: "/name", reason: `the store already holds ${EVENT_TYPES_MAX} event types, the most it may` },
      ]);
    }
    const now = this.deps.now();
    const record: EventTypeRecord = {
      name,
      ...change,
      archived_at: null,
      revision: 1,
      created_at: now,
      updated_at: now,
    };
    if (!(await this.deps.store.eventTypes.create(record))) {
      const stored = await this.deps.store.eventTypes.get(name);
      throw DomainError.conflict(
        stored?.archived_at == null
          ? `event type "${name}" already exists; PUT /v1/event-types/${name} replaces it`
          : `event type "${name}" exists and is archived; its name cannot be used again`,
      );
    }
    return this.stored(record);
  }

  async update(name: string, input: EventTypeInput): Promise<EventTypeDefinition> {
    if (checkName(name)) throw DomainError.notFound("event type"); // never stored: no store read
    await this.assertNotBuiltIn(name);
    const change = this.checked(input);
    const updated = await this.deps.store.eventTypes.update(name, change, this.deps.now());
    if (updated === undefined) throw DomainError.notFound("event type");
    if (updated === "archived") {
      throw DomainError.conflict(`event type "${name}" is archived; an archived type cannot be changed`);
    }
    return this.stored(updated);
  }

  async archive(name: string): Promise<void> {
    if (checkName(name)) throw DomainError.notFound("event type");
    await this.assertNotBuiltIn(name);
    const archived = await this.deps.store.eventTypes.archive(name, this.deps.now());
    if (!archived) throw DomainError.notFound("event type");
    this.deps.registry.changed();
  }

  private async stored(record: EventTypeRecord): Promise<EventTypeDefinition> {
    this.deps.registry.changed();
    await this.deps.store.flushed();
    const definition = (await this.deps.registry.current()).get(record.name);
    if (!definition) throw new Error(`event type ${record.name} not found after it was stored`);
    return definition;
  }

  private async assertNotBuiltIn(name: string): Promise<void> {
    const catalog = await this.deps.registry.current();
    const found = catalog.get(name) ?? this.deps.operationalCatalog.get(name);
    if (found && found.defined === undefined) {
      throw DomainError.conflict(
        `event type "${name}" is built in; it cannot be created, changed or archived`,
      );
    }
  }

  /** The schema compiles and the example fits it; issues name the field and the pointer. */
  private checked(input: EventTypeInput): EventTypeChange {
    const compiled = compileDataSchema(input.schema);
    if ("issues" in compiled)
      throw DomainError.invalid("the schema is not a valid JSON Schema", compiled.issues);
    const example = input.example ?? null;
    if (example !== null) {
      const issues: FieldIssue[] = compiled
        .check(example)
        .map((i) => ({ field: `/example${i.field.slice("/data".length)}`, reason: i.reason }));
      if (issues.length > 0) throw DomainError.invalid("the example does not fit the schema", issues);
    }
    return { description: input.description, schema: input.schema, example };
  }
}

function checkName(name: string): FieldIssue | undefined {
  if (name.length > EVENT_TYPE_NAME_MAX) {
    return { field: "/name", reason: `must be at most ${EVENT_TYPE_NAME_MAX} characters` };
  }
  if (!NAME.test(name)) {
    return {
      field: "/name",
      reason: "must be lower-case words of a-z 0-9 _ joined by dots, at least two (e.g. order.created)",
    };
  }
  return undefined;
}
