// The operator's event types, stored by name in their own sub-database (event_types). A handful of
// small records: list reads them all in key (name) order.

import type { EventTypeRecord } from "../records";
import type { EventTypeRepository } from "../store";
import type { Databases } from "./lmdb-databases";
import { settled } from "./sync-read";
import type { WriteBatcher } from "./write-batcher";

/** `stored` with `change` on top, one revision on, its updated_at never moved backwards. */
const revised = (stored: EventTypeRecord, change: Partial<EventTypeRecord>, at: number): EventTypeRecord => ({
  ...stored,
  ...change,
  revision: stored.revision + 1,
  updated_at: Math.max(stored.updated_at, at),
});

export function eventTypesRepository(dbs: Databases, writer: WriteBatcher): EventTypeRepository {
  const read = (name: string) => dbs.eventTypes.get(name) as EventTypeRecord | undefined;
  /** Runs inside a write job; answers the record written. */
  const write = (record: EventTypeRecord) => {
    dbs.eventTypes.putSync(record.name, record);
    return record;
  };
  return {
    list: () =>
      settled(() => {
        const out: EventTypeRecord[] = [];
        for (const { value } of dbs.eventTypes.getRange({})) out.push(value as EventTypeRecord);
        return out;
      }),

    get: (name) => settled(() => read(name)),

    // Checked and written in one write job: jobs run one after another, so one create wins a name.
    create: (record) =>
      writer.run(() => {
        if (read(record.name) !== undefined) return false;
        dbs.eventTypes.putSync(record.name, record);
        return true;
      }),

    update: (name, change, at) =>
      writer.run((): EventTypeRecord | "archived" | undefined => {
        const stored = read(name);
        if (!stored) return undefined;
        if (stored.archived_at !== null) return "archived";
        return write(revised(stored, change, at));
      }),

    archive: (name, at) =>
      writer.run(() => {
        const stored = read(name);
        if (!stored || stored.archived_at !== null) return stored;
        return write(revised(stored, { archived_at: at }, at));
      }),
  };
}
