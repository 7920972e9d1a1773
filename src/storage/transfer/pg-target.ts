// The PostgreSQL side of a transfer: the store is opened the normal way once, which creates or
// migrates its schema (or refuses a newer one with SchemaVersionError), then closed; the rows go in
// through a client of their own (./pg-import.ts), with the store client's retries and error mapping
// (a lost connection is StoreUnavailableError).

import type { Logger } from "../../observability/logger";
import { PgClient } from "../postgres/pg-client";
import { quoteSchema } from "../postgres/pg-context";
import { openPostgresStore, SCHEMA_DEFAULT } from "../postgres/pg-store";
import { type PgImport, pgImport } from "./pg-import";

export interface PgTargetOptions {
  url: string;
  /** Default: the schema a server uses (SCHEMA_DEFAULT). */
  schema?: string;
  logger: Logger;
  /** Recorded with the schema migrations this opening applies. */
  replicaId: string;
}

export interface PgTarget {
  import: PgImport;
  close(): Promise<void>;
}

/** Connections the import uses: one statement is in flight at a time. */
const IMPORT_POOL_MAX = 2;

export async function openPgTarget(opts: PgTargetOptions): Promise<PgTarget> {
  const schema = opts.schema ?? SCHEMA_DEFAULT;
  const store = await openPostgresStore({
    url: opts.url,
    schema,
    poolMax: 1,
    logger: opts.logger,
    replicaId: opts.replicaId,
  });
  await store.close();
  const client = new PgClient({
    url: opts.url,
    poolMax: IMPORT_POOL_MAX,
    logger: opts.logger,
    now: Date.now,
  });
  return { import: pgImport(client, quoteSchema(schema)), close: () => client.close() };
}
