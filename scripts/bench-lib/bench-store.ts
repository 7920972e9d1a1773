// The store the servers under test use: the embedded LMDB in each server's data directory (the default),
// or, with --postgres, one embedded PostgreSQL cluster with PostgreSQL's durable defaults (fsync and
// synchronous commit on, as a production server runs), shared by every replica.

import { SQL } from "bun";
import { type PostgresCluster, startPostgres } from "../lib/embedded-postgres";
import {
  countersPerDelivery,
  type PostgresCounters,
  type RoleCpu,
  readCounters,
  readRoleCpu,
  resetStatements,
  roleCpuPerDelivery,
  sequentialScans,
  topStatements,
} from "./postgres-counters";
import { readTreeCpuSeconds } from "./proc-stats";

export interface BenchStore {
  kind: "lmdb" | "postgres";
  /** Server environment for replica `n` (1-based). */
  env(replica: number): Record<string, string>;
  /** CPU seconds the database server has used so far (every PostgreSQL process); null for LMDB. */
  cpuSeconds(): number | null;
  /** Bytes the database grew by since the start (pg_database_size); null for LMDB, measured on its directory. */
  sizeBytes(): Promise<number | null>;
  /** Starts the measured window of windowFigures(). */
  mark(): Promise<void>;
  /** What the database did since mark(), per delivery, for the JSON line; {} for LMDB. */
  windowFigures(deliveries: number): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export const LMDB_STORE: BenchStore = {
  kind: "lmdb",
  env: () => ({}),
  cpuSeconds: () => null,
  sizeBytes: async () => null,
  mark: async () => {},
  windowFigures: async () => ({}),
  stop: async () => {},
};

export interface StoreChoice {
  postgres: boolean;
  /** Load pg_stat_statements and report the statements that took the most time. */
  statements: boolean;
  /** More server settings. */
  settings: Record<string, string>;
}

export async function startBenchStore(
  choice: StoreChoice,
  progress: (m: string) => void,
): Promise<BenchStore> {
  if (!choice.postgres) return LMDB_STORE;
  const started = performance.now();
  const preload: Record<string, string> = choice.statements
    ? { shared_preload_libraries: "pg_stat_statements", "pg_stat_statements.track_planning": "on" }
    : {};
  const settings = { ...preload, ...choice.settings };
  const cluster = await startPostgres({ durable: true, settings });
  progress(`PostgreSQL ready in ${Math.round(performance.now() - started)} ms at ${cluster.url} (durable)`);
  const sql = new SQL({ url: cluster.url, max: 1 });
  try {
    if (choice.statements) await sql`CREATE EXTENSION pg_stat_statements`;
    // An empty database already takes about 7 MB (catalogs); only what the servers add counts.
    return postgresStore(cluster, sql, choice.statements, await databaseBytes(sql));
  } catch (err) {
    await sql.close();
    await cluster.stop();
    throw err;
  }
}

async function databaseBytes(sql: SQL): Promise<number> {
  const [row] = await sql`SELECT pg_database_size(current_database())::float8 AS bytes`;
  return (row as { bytes: number }).bytes;
}

/** `sql`: the bench's own connection, kept open (a reconnect would count as database work). */
function postgresStore(
  cluster: PostgresCluster,
  sql: SQL,
  statements: boolean,
  emptyBytes: number,
): BenchStore {
  let before: PostgresCounters | null = null;
  let rolesBefore: RoleCpu = {};
  return {
    kind: "postgres",
    env: (replica) => ({ INBOX_DATABASE_URL: cluster.url, INBOX_REPLICA_ID: `r${replica}` }),
    cpuSeconds: () => readTreeCpuSeconds(cluster.pid),
    sizeBytes: async () => (await databaseBytes(sql)) - emptyBytes,
    mark: async () => {
      if (statements) await resetStatements(sql);
      before = await readCounters(sql);
      rolesBefore = readRoleCpu(cluster.pid);
    },
    windowFigures: async (deliveries) => {
      if (before === null) return {};
      const figures = {
        ...countersPerDelivery(before, await readCounters(sql), deliveries),
        postgres_cpu_us_per_delivery_by_role: roleCpuPerDelivery(
          rolesBefore,
          readRoleCpu(cluster.pid),
          deliveries,
        ),
      };
      if (!statements) return figures;
      const top = await topStatements(sql, deliveries);
      return {
        ...figures,
        postgres_statements: top,
        postgres_seq_scans: await sequentialScans(sql, deliveries),
      };
    },
    stop: async () => {
      await sql.close();
      await cluster.stop();
    },
  };
}
