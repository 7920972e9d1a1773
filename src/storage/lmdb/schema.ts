// Schema versioning. The version lives in meta under `schema_version`. A fresh store is written at
// CURRENT_SCHEMA_VERSION; an older store is brought forward by running, in order and each in its
// own transaction, the migrations whose version is above the stored one; a store written by a newer
// build is refused, never reinterpreted.

import { StoreDamagedError } from "../store";
import type { Databases } from "./lmdb-databases";
import { linkRecordsAndMergeAttemptLogs } from "./schema-v2";
import { compactHotRecords } from "./schema-v3";

export const SCHEMA_VERSION_KEY = "schema_version";
export const CURRENT_SCHEMA_VERSION = 3;

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
  {
    version: 3,
    description: "compact values for events, deliveries and attempts; events kept in time order",
    up: compactHotRecords,
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
    dbs.root.transactionSync(() => {
      migration.up(dbs);
      dbs.meta.putSync(SCHEMA_VERSION_KEY, String(migration.version));
    });
    dbs.accountNumbers.confirmAll();
    ran.push(migration);
  }
  const reached = storedSchemaVersion(dbs) ?? found;
  if (reached !== target) {
    throw new Error(`no migration brings storage schema version ${reached} to ${target}`);
  }
  return ran;
}
