// Versioned, forward-only schema migrations, safe when several replicas start at once.
//
// Guarantees:
// - each version is applied exactly once: its row in schema_migrations is inserted in the same
//   transaction as its DDL, and that row's primary key is the lock (no advisory locks, which
//   YugabyteDB lacks). A replica that finds the version's row being inserted by another waits for
//   that transaction; if it commits, the version is skipped; if it rolls back (its replica died),
//   the waiter applies it;
// - a migration is all or nothing (PostgreSQL DDL is transactional);
// - a schema newer than this build (a newer release migrated it) is refused with
//   SchemaVersionError before anything is written.

import type { Logger } from "../../observability/logger";
import { SchemaVersionError } from "../store";
import { initial } from "./migrations/001-initial";
import { previousSecret } from "./migrations/002-previous-secret";
import { webhookDisabling } from "./migrations/003-webhook-disabling";
import { recovery } from "./migrations/004-recovery";
import { webhookStats } from "./migrations/005-webhook-stats";
import { keyScopes } from "./migrations/006-key-scopes";
import { eventTypes } from "./migrations/007-event-types";
import { webhookControls } from "./migrations/008-webhook-controls";
import { dashboardSessions } from "./migrations/009-dashboard-sessions";
import type { PgClient } from "./pg-client";
import { isUniqueViolation } from "./pg-errors";

export interface Migration {
  version: number;
  description: string;
  /** The DDL, given the quoted schema name. */
  statements: (schema: string) => string[];
}

export const MIGRATIONS: readonly Migration[] = [
  initial,
  previousSecret,
  webhookDisabling,
  recovery,
  webhookStats,
  keyScopes,
  eventTypes,
  webhookControls,
  dashboardSessions,
];
export const SCHEMA_VERSION = 9;

const WAIT_LOG_MS = 5_000;
/** A migration may rebuild a large table, and a replica waits for another's: no deadline. */
const NO_DEADLINE = { deadlineMs: 0 };
/** duplicate_object, duplicate_table, duplicate_schema. */
const ALREADY_CREATED = new Set(["42710", "42P07", "42P06"]);

const sqlStateOf = (error: unknown) => String((error as { errno?: unknown } | null)?.errno ?? "");

/** Creates the schema and its version table when missing (concurrent creates race on pg_type). */
async function ensureVersionTable(client: PgClient, s: string): Promise<void> {
  const statements = [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version int PRIMARY KEY, description text NOT NULL,
       applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL)`,
  ];
  for (const text of statements) {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.run(text, [], NO_DEADLINE);
        break;
      } catch (error) {
        // Another replica created it at the same moment: a duplicate key on the catalog, or the
        // table's row type, the table or the schema already there.
        if (attempt < 5 && (isUniqueViolation(error) || ALREADY_CREATED.has(sqlStateOf(error)))) continue;
        throw error;
      }
    }
  }
}

async function appliedVersion(client: PgClient, s: string): Promise<number> {
  const [row] = await client.run<{ v: number | null }>(
    `SELECT max(version) AS v FROM ${s}.schema_migrations`,
  );
  return row?.v ?? 0;
}

/** Applies one version unless another replica did; true when this call applied it. */
function applyOne(client: PgClient, s: string, migration: Migration, replicaId: string): Promise<boolean> {
  return client.transaction(async (tx) => {
    const claimed = await tx.run(
      `INSERT INTO ${s}.schema_migrations (version, description, applied_by) VALUES ($1, $2, $3)
       ON CONFLICT (version) DO NOTHING RETURNING version`,
      [migration.version, migration.description, replicaId],
    );
    if (claimed.length === 0) return false;
    for (const text of migration.statements(s)) await tx.run(text);
    return true;
  }, NO_DEADLINE);
}

export interface MigrateOptions {
  client: PgClient;
  /** The quoted schema name. */
  schema: string;
  logger: Logger;
  replicaId: string;
  /** For tests of future versions; production uses MIGRATIONS and SCHEMA_VERSION. */
  migrations?: readonly Migration[];
  version?: number;
}

/** Brings the schema to this build's version; answers the versions this call applied. */
export async function migrate(opts: MigrateOptions): Promise<number[]> {
  const { client, schema, logger } = opts;
  const migrations = opts.migrations ?? MIGRATIONS;
  const supported = opts.version ?? SCHEMA_VERSION;
  await ensureVersionTable(client, schema);
  const found = await appliedVersion(client, schema);
  if (found > supported) throw new SchemaVersionError(found, supported, `PostgreSQL schema ${schema}`);
  const applied: number[] = [];
  for (const migration of migrations) {
    if (migration.version <= found || migration.version > supported) continue;
    const waiting = setInterval(
      () => logger.info("waiting for another replica's schema migration", { version: migration.version }),
      WAIT_LOG_MS,
    );
    try {
      if (await applyOne(client, schema, migration, opts.replicaId)) {
        applied.push(migration.version);
        logger.info("storage schema migrated", {
          version: migration.version,
          migration: migration.description,
        });
      }
    } finally {
      clearInterval(waiting);
    }
  }
  return applied;
}
