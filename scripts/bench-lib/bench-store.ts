// The store the servers under test use: the embedded LMDB in each server's data directory (the default),
// or, with --postgres, one embedded PostgreSQL cluster with PostgreSQL's durable defaults (fsync and
// synchronous commit on, as a production server runs), shared by every replica.

import { SQL } from "bun";
import { type PostgresCluster, startPostgres } from "../lib/embedded-postgres";
import { readTreeCpuSeconds } from "./proc-stats";

export interface BenchStore {
  kind: "lmdb" | "postgres";
  /** Server environment for replica `n` (1-based). */
  env(replica: number): Record<string, string>;
  /** CPU seconds the database server has used so far (every PostgreSQL process); null for LMDB. */
  cpuSeconds(): number | null;
  /** Bytes the database grew by since the start (pg_database_size); null for LMDB, measured on its directory. */
  sizeBytes(): Promise<number | null>;
  stop(): Promise<void>;
}

export const LMDB_STORE: BenchStore = {
  kind: "lmdb",
  env: () => ({}),
  cpuSeconds: () => null,
  sizeBytes: async () => null,
  stop: async () => {},
};

export async function startBenchStore(postgres: boolean, progress: (m: string) => void): Promise<BenchStore> {
  if (!postgres) return LMDB_STORE;
  const started = performance.now();
  const cluster = await startPostgres({ durable: true });
  progress(`PostgreSQL ready in ${Math.round(performance.now() - started)} ms at ${cluster.url} (durable)`);
  try {
    // An empty database already takes about 7 MB (catalogs); only what the servers add counts.
    const empty = await databaseBytes(cluster.url);
    return postgresStore(cluster, empty);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

async function databaseBytes(url: string): Promise<number> {
  const sql = new SQL({ url, max: 1 });
  try {
    const [row] = await sql`SELECT pg_database_size(current_database())::float8 AS bytes`;
    return (row as { bytes: number }).bytes;
  } finally {
    await sql.close();
  }
}

function postgresStore(cluster: PostgresCluster, emptyBytes: number): BenchStore {
  return {
    kind: "postgres",
    env: (replica) => ({ INBOX_DATABASE_URL: cluster.url, INBOX_REPLICA_ID: `r${replica}` }),
    cpuSeconds: () => readTreeCpuSeconds(cluster.pid),
    sizeBytes: async () => (await databaseBytes(cluster.url)) - emptyBytes,
    stop: () => cluster.stop(),
  };
}
