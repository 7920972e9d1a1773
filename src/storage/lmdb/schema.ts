// Schema versioning. The version lives in meta under `schema_version`. A fresh store is written at
// CURRENT_SCHEMA_VERSION; an older store is brought forward by running, in order and each in its
// own transaction, the migrations whose version is above the stored one; a store written by a newer
// build is refused, never reinterpreted.

import { StoreDamagedError } from "../store";
import type { Databases } from "./lmdb-databases";
import { linkRecordsAndMergeAttemptLogs } from "./schema-v2";
import { compactHotRecords } from "./schema-v3";
import { indexUnsuccessfulDeliveries, unsuccessfulIndexBuilt } from "./schema-v4";

export const SCHEMA_VERSION_KEY = "schema_version";
export const CURRENT_SCHEMA_VERSION = 4;

export interface Migration {
  /** The version this migration produces; it runs on stores below it. */
  version: number;
  description: string;
  /** Runs inside a write transaction; it must be complete on its own (all or nothing). */
  up(dbs: Databases): void;
  /**
   * For a migration too large for one transaction, instead of `up` doing it all: `up` does a
   * bounded part and keeps its own progress in the same transaction, and `done` (read in that
   * transaction, after `up`) says whether it has finished. It runs in one transaction after another,
   * the version written with the last; an interrupted run resumes from its progress.
   */
  done?(dbs: Databases): boolean;
}

/** Ordered by version, the last one at CURRENT_SCHEMA_VERSION. */
export const migrations: Migration[] = [
  {
    version: 2,
    description: "events and deliveries keep their links; each attempt stored once, in its webhook's log",
    up: linkRecordsAndMergeAttemptLogs,
  },
  {
    version: 3,
    description: "compact values for events, deliveries and attempts; events kept in time order",
    up: compactHotRecords,
  },
  {
    version: 4,
    description: "an index of each webhook's failed and cancelled deliveries, for recovery",
    up: indexUnsuccessfulDeliveries,
    done: unsuccessfulIndexBuilt,
  },
];

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
    runMigration(dbs, migration);
    dbs.accountNumbers.confirmAll();
    ran.push(migration);
  }
  const reached = storedSchemaVersion(dbs) ?? found;
  if (reached !== target) {
    throw new Error(`no migration brings storage schema version ${reached} to ${target}`);
  }
  return ran;
}

/** One transaction, or one per step for a stepwise migration; the version goes with the last. */
function runMigration(dbs: Databases, migration: Migration): void {
  for (;;) {
    const done = dbs.root.transactionSync(() => {
      migration.up(dbs);
      const finished = migration.done?.(dbs) ?? true;
      if (finished) dbs.meta.putSync(SCHEMA_VERSION_KEY, String(migration.version));
      return finished;
    });
    if (done) return;
  }
}
