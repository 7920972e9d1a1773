// The operator's event types, one row each (migration 007). Uncached here: the domain keeps the
// compiled catalog and reloads it at most READ_CACHE_MS_MAX after the last load
// (src/domain/event-type-registry.ts).

import type { EventTypeRecord } from "../records";
import type { EventTypeRepository } from "../store";
import type { PgContext } from "./pg-context";
import { fromDb, int8, int8NotNull, toDb } from "./pg-text";

interface EventTypeRow {
  name: string;
  description: string;
  schema: string;
  example: string | null;
  archived_at: string | number | null;
  revision: string | number;
  created_at: string | number;
  updated_at: string | number;
}

const eventTypeOf = (r: EventTypeRow): EventTypeRecord => ({
  name: fromDb(r.name),
  description: fromDb(r.description),
  schema: JSON.parse(r.schema),
  example: r.example === null ? null : JSON.parse(r.example),
  archived_at: int8(r.archived_at),
  revision: int8NotNull(r.revision),
  created_at: int8NotNull(r.created_at),
  updated_at: int8NotNull(r.updated_at),
});

const exampleText = (example: EventTypeRecord["example"]) =>
  example === null ? null : JSON.stringify(example);

export function eventTypesRepository(ctx: PgContext): EventTypeRepository {
  const { client, s } = ctx;
  const get = async (name: string) => {
    const [row] = await client.run<EventTypeRow>(`SELECT * FROM ${s}.event_types WHERE name = $1`, [
      toDb(name),
    ]);
    return row && eventTypeOf(row);
  };
  return {
    async list() {
      const rows = await client.run<EventTypeRow>(`SELECT * FROM ${s}.event_types ORDER BY name`);
      return rows.map(eventTypeOf);
    },

    get,

    // A concurrent insert of the same name waits for the other's commit, then does nothing.
    async create(r) {
      const rows = await client.run(
        `INSERT INTO ${s}.event_types
           (name, description, schema, example, archived_at, revision, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (name) DO NOTHING RETURNING name`,
        [
          toDb(r.name),
          toDb(r.description),
          JSON.stringify(r.schema),
          exampleText(r.example),
          r.archived_at,
          r.revision,
          r.created_at,
          r.updated_at,
        ],
      );
      return rows.length === 1;
    },

    async update(name, change, at) {
      const [row] = await client.run<EventTypeRow>(
        `UPDATE ${s}.event_types SET description = $2, schema = $3, example = $4,
           revision = revision + 1, updated_at = GREATEST(updated_at, $5)
         WHERE name = $1 AND archived_at IS NULL RETURNING *`,
        [
          toDb(name),
          toDb(change.description),
          JSON.stringify(change.schema),
          exampleText(change.example),
          at,
        ],
      );
      if (row) return eventTypeOf(row);
      const stored = await get(name);
      return stored && "archived";
    },

    async archive(name, at) {
      const [row] = await client.run<EventTypeRow>(
        `UPDATE ${s}.event_types SET archived_at = $2, revision = revision + 1,
           updated_at = GREATEST(updated_at, $2)
         WHERE name = $1 AND archived_at IS NULL RETURNING *`,
        [toDb(name), at],
      );
      return row ? eventTypeOf(row) : get(name);
    },
  };
}
