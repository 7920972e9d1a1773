// Schema versioning. The version lives in meta under `schema_version`. A fresh store is written at
// CURRENT_SCHEMA_VERSION; an older store is brought forward by running, in order and each in its
// own transaction, the migrations whose version is above the stored one; a store written by a newer
// build is refused, never reinterpreted.

import type { Database, Key } from "lmdb";
import type { AttemptRecord, DeliveryRecord, EventRecord } from "../records";
import { StoreDamagedError } from "../store";
import { putAttempt } from "./attempts-repository";
import { entriesUnder } from "./key-ranges";
import type { Databases, StoredEvent } from "./lmdb-databases";
import { writeDelivery } from "./stored-records";

export const SCHEMA_VERSION_KEY = "schema_version";
export const CURRENT_SCHEMA_VERSION = 2;

export interface Migration {
  /** The version this migration produces; it runs on stores below it. */
  version: number;
  description: string;
  /** Runs inside a write transaction; it must be complete on its own (all or nothing). */
  up(dbs: Databases): void;
}

/** Ordered by version, the last one at CURRENT_SCHEMA_VERSION. */
export const migrations: Migration[] = [
  {
    version: 2,
    description: "events and deliveries keep their links; each attempt stored once, in its webhook's log",
    up: linkRecordsAndMergeAttemptLogs,
  },
];

/** Version 1 kept these indexes beside the records; version 2 keeps the links in the records. */
const V1_INDEXES = [
  "event_times",
  "event_deliveries",
  "attempts",
  "attempts_by_delivery",
  "attempts_by_webhook",
];

/**
 * Hands every entry of `db` to `each`, in key order, a chunk at a time: the whole table is never
 * held in memory, and `each` may write to `db` itself, since a chunk is read before it is handed on.
 */
function forEachEntry(db: Database, each: (key: Key, value: unknown) => void): void {
  let after: Key | undefined;
  for (;;) {
    const chunk: Array<{ key: Key; value: unknown }> = [];
    for (const { key, value } of db.getRange(
      after === undefined ? { limit: 10_000 } : { start: after, exclusiveStart: true, limit: 10_000 },
    ))
      chunk.push({ key, value });
    for (const { key, value } of chunk) each(key, value);
    if (chunk.length < 10_000) return;
    after = (chunk[chunk.length - 1] as { key: Key }).key;
  }
}

function linkRecordsAndMergeAttemptLogs(dbs: Databases): void {
  const eventDeliveries = dbs.open("event_deliveries");
  const attemptsByDelivery = dbs.open("attempts_by_delivery");
  forEachEntry(dbs.events, (key, value) => {
    const [accountId, eventId] = key as [string, string];
    const ids = entriesUnder(eventDeliveries, [accountId, eventId])
      .filter((e) => e.key[1] === eventId)
      .map((e) => e.key[2] as string);
    dbs.events.putSync(key, { event: value as EventRecord, deliveries: ids } satisfies StoredEvent);
  });
  forEachEntry(dbs.deliveries, (key, value) => {
    const attempts = entriesUnder(attemptsByDelivery, [key as string]).map(
      (e) => [e.key[1] as number, e.key[2] as string] as [number, string],
    );
    writeDelivery(dbs, { delivery: value as DeliveryRecord, attempts });
  });
  forEachEntry(dbs.open("attempts"), (_key, value) => putAttempt(dbs, value as AttemptRecord));
  for (const name of V1_INDEXES) dbs.open(name).dropSync();
}

export class SchemaVersionError extends Error {
  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      `the data directory has storage schema version ${found}, newer than this build supports (${supported}); ` +
        "run a newer release or restore a backup",
    );
    this.name = "SchemaVersionError";
  }
}

/** Reads the stored version, or undefined for a store that never recorded one (a fresh one). */
export function storedSchemaVersion(dbs: Databases): number | undefined {
  const raw = dbs.meta.get(SCHEMA_VERSION_KEY);
  if (raw === undefined) return undefined;
  const version = Number(raw);
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new StoreDamagedError(
      dbs.path,
      `its storage schema version is unreadable: ${JSON.stringify(raw).slice(0, 80)}`,
    );
  }
  return version;
}

/**
 * Brings the store to `target`, answering the migrations that ran. `list` and `target` are
 * parameters so tests can exercise a future migration; production passes the defaults.
 */
export function upgradeSchema(
  dbs: Databases,
  list: readonly Migration[] = migrations,
  target: number = CURRENT_SCHEMA_VERSION,
): Migration[] {
  const found = storedSchemaVersion(dbs);
  if (found === undefined) {
    // A fresh store holds nothing to migrate: it starts at the current version.
    dbs.root.transactionSync(() => dbs.meta.putSync(SCHEMA_VERSION_KEY, String(target)));
    return [];
  }
  if (found > target) throw new SchemaVersionError(found, target);
  const ran: Migration[] = [];
  for (const migration of [...list].sort((a, b) => a.version - b.version)) {
    if (migration.version <= found || migration.version > target) continue;
    dbs.root.transactionSync(() => {
      migration.up(dbs);
      dbs.meta.putSync(SCHEMA_VERSION_KEY, String(migration.version));
    });
    ran.push(migration);
  }
  const reached = storedSchemaVersion(dbs) ?? found;
  if (reached !== target) {
    throw new Error(`no migration brings storage schema version ${reached} to ${target}`);
  }
  return ran;
}
