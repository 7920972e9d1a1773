// The merged catalog of one store: the built-in account types, then the operator's own types
// (store.eventTypes), each operator schema compiled once per revision and kept.
//
// Guarantees:
// - `current()` answers a catalog at most READ_CACHE_MS_MAX old, so a type registered, changed or
//   archived through another replica is seen here within that (as webhooks are); this process's
//   own changes are seen at once (`changed()` drops the catalog, and a load that began before
//   the change is not kept);
// - a schema is compiled when its type is first seen or its revision changes, never per publish;
//   a publish with a fresh catalog costs one settled promise;
// - concurrent callers share one load.

import type { EventTypeRecord } from "../storage/records";
import { READ_CACHE_MS_MAX, type Store } from "../storage/store";
import type { DataCheck, EventCatalog, EventTypeDefinition } from "./event-catalog";
import { compileDataSchema } from "./event-type-schema";

interface Compiled {
  revision: number;
  check: DataCheck;
}

export interface EventTypeRegistryDeps {
  store: Pick<Store, "eventTypes">;
  builtIn: EventCatalog;
  maxAgeMs?: number;
  /** A monotonic clock (ms) for the catalog's age. */
  clock?: () => number;
}

export class EventTypeRegistry {
  private catalog: Promise<EventCatalog> | null = null;
  /** The last catalog read since this process's last change, served while the store fails. */
  private loaded: EventCatalog | null = null;
  private loadedAt = 0;
  private generation = 0;
  private readonly compiled = new Map<string, Compiled>();
  private readonly maxAgeMs: number;
  private readonly clock: () => number;

  constructor(private readonly deps: EventTypeRegistryDeps) {
    this.maxAgeMs = deps.maxAgeMs ?? READ_CACHE_MS_MAX;
    this.clock = deps.clock ?? performance.now.bind(performance);
  }

  /**
   * The built-in types and the operator's (archived ones known but not active). When the store
   * cannot be read, the last catalog loaded is answered (tried again after maxAgeMs); only a
   * process that never loaded one, or whose own change is not yet read back, sees the error.
   */
  current(): Promise<EventCatalog> {
    const now = this.clock();
    if (this.catalog !== null && now - this.loadedAt < this.maxAgeMs) return this.catalog;
    const generation = this.generation;
    const fallback = this.loaded;
    const loading = this.load().then(
      (catalog) => {
        if (this.generation === generation) this.loaded = catalog;
        return catalog;
      },
      (error: unknown) => {
        if (fallback !== null) return fallback;
        if (this.catalog === loading) this.catalog = null; // not kept: the next caller tries again
        throw error;
      },
    );
    this.catalog = loading;
    this.loadedAt = now;
    return loading;
  }

  /** This process changed a type: the next current() reads the store again. */
  changed(): void {
    this.generation++;
    this.catalog = null;
    this.loaded = null;
  }

  private async load(): Promise<EventCatalog> {
    const records = await this.deps.store.eventTypes.list();
    const seen = new Set<string>();
    const types = records.map((r) => {
      seen.add(r.name);
      return { definition: definitionOf(r), check: this.checkOf(r) };
    });
    for (const name of this.compiled.keys()) if (!seen.has(name)) this.compiled.delete(name);
    return this.deps.builtIn.withTypes(types);
  }

  private checkOf(record: EventTypeRecord): DataCheck {
    const kept = this.compiled.get(record.name);
    if (kept?.revision === record.revision) return kept.check;
    const compiled = compileDataSchema(record.schema);
    // Stored schemas were checked when registered; one that no longer compiles (written by another
    // version) refuses every event of its type rather than accepting unchecked data.
    const check: DataCheck =
      "check" in compiled
        ? compiled.check
        : () => [
            { field: "/type", reason: `the schema of "${record.name}" does not compile on this server` },
          ];
    this.compiled.set(record.name, { revision: record.revision, check });
    return check;
  }
}

/** An operator type as the catalog holds it: its example as a complete envelope. */
function definitionOf(r: EventTypeRecord): EventTypeDefinition {
  return {
    type: r.name,
    description: r.description,
    schema: r.schema,
    example:
      r.example === null
        ? null
        : {
            id: "evt_1234567890",
            type: r.name,
            created_at: new Date(r.updated_at - (r.updated_at % 1000)).toISOString().replace(".000Z", "Z"),
            data: r.example,
          },
    defined: { archived_at: r.archived_at, created_at: r.created_at, updated_at: r.updated_at },
  };
}
