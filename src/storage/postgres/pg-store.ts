// The PostgreSQL implementation of the Store contract, shared by any number of replicas: one
// schema in one database, reached through a pool of Bun's built-in client (./pg-client.ts).
//
// Opening creates or migrates the schema (./migrations.ts: several replicas opening at once
// migrate it once; a newer schema is refused with SchemaVersionError), then reads the figures once.
// Writes are single statements or short transactions; publishes and outcomes of attempts are
// group-committed together (./write-batch.ts). Cached reads (webhooks, keys, meta) are at most
// READ_CACHE_MS_MAX old.
//
// SQL used, for PostgreSQL-compatible databases: data-modifying CTEs, multi-array unnest WITH
// ORDINALITY, window sums, ON CONFLICT DO NOTHING, FOR UPDATE … SKIP LOCKED, FOR SHARE, partial
// indexes, COLLATE "C", SET LOCAL statement_timeout; no advisory locks, no LISTEN/NOTIFY; 40001 and
// 40P01 are retried. figures() reads pg_total_relation_size (0 where the catalog lacks it).

import { SQL } from "bun";
import type { Logger } from "../../observability/logger";
import type { Store } from "../store";
import { accountsRepository } from "./accounts-repository";
import { apiKeysRepository } from "./api-keys-repository";
import { attemptsRepository } from "./attempts-repository";
import { deliveriesRepository } from "./deliveries-repository";
import { dueWork } from "./due-work";
import { eventTypesRepository } from "./event-types-repository";
import { eventsRepository } from "./events-repository";
import { FIGURES_INTERVAL_MS_DEFAULT, FiguresRefresher } from "./figures";
import { metaRepository } from "./meta-repository";
import { migrate } from "./migrations";
import { PgClient, PREPARE_STATEMENTS } from "./pg-client";
import { type PgContext, quoteSchema } from "./pg-context";
import { portalLinksRepository } from "./portal-links-repository";
import { createPgReadCaches } from "./read-cache";
import { retention } from "./retention";
import { sessionsRepository } from "./sessions-repository";
import { statsRepository } from "./stats-repository";
import { webhooksRepository } from "./webhooks-repository";
import { writeBatch } from "./write-batch";

export const SCHEMA_DEFAULT = "inbox";
export const POOL_MAX_DEFAULT = 10;

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database; never logged. */
  url: string;
  /** The schema holding the tables; default "inbox". */
  schema?: string;
  /** Connections in this replica's pool; default 10. */
  poolMax?: number;
  logger: Logger;
  /**
   * The store's clock for leases and the stamps it writes itself. Default: the database server's
   * clock, one clock for every replica (replica clocks may drift apart; leases must not).
   */
  now?: () => number;
  /** This replica's id (INBOX_REPLICA_ID): recorded with the migrations it applies. */
  replicaId: string;
  /** How often figures() is refreshed; default 5 s. */
  figuresIntervalMs?: number;
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const { logger } = options;
  const schemaName = options.schema ?? SCHEMA_DEFAULT;
  const s = quoteSchema(schemaName);
  const localNow = options.now ?? Date.now;
  const client = new PgClient({
    url: options.url,
    poolMax: options.poolMax ?? POOL_MAX_DEFAULT,
    logger,
    now: localNow,
  });
  const injected = options.now;
  const ctx: PgContext = {
    client,
    s,
    caches: createPgReadCaches(),
    clock: injected ? () => injected() : () => null,
  };
  const figures = new FiguresRefresher(client, schemaName, s, logger, localNow);
  try {
    await migrate({ client, schema: s, logger, replicaId: options.replicaId });
    await figures.start(options.figuresIntervalMs ?? FIGURES_INTERVAL_MS_DEFAULT);
  } catch (error) {
    await figures.stop();
    await client.close();
    throw error;
  }
  const writes = writeBatch(ctx);
  let closing: Promise<void> | undefined;
  logger.info("storage opened", {
    store: "postgres",
    schema: schemaName,
    pending: figures.get().pendingDeliveries,
  });

  const store: Store = {
    meta: metaRepository(ctx),
    accounts: accountsRepository(ctx),
    apiKeys: apiKeysRepository(ctx),
    webhooks: webhooksRepository(ctx),
    events: eventsRepository(ctx, writes),
    deliveries: deliveriesRepository(ctx, writes),
    attempts: attemptsRepository(ctx),
    stats: statsRepository(ctx),
    eventTypes: eventTypesRepository(ctx),
    sessions: sessionsRepository(ctx),
    portalLinks: portalLinksRepository(ctx),
    work: dueWork(ctx),
    purge: retention(ctx),

    async flushed() {
      // Every write resolves after its commit; durability is the server's (synchronous_commit).
      await writes.idle();
      await client.settled();
    },

    figures: () => figures.get(),
    health: () => client.health(),

    close() {
      closing ??= (async () => {
        await figures.stop();
        await writes.idle();
        await client.close();
        logger.info("storage closed", { store: "postgres", schema: schemaName });
      })();
      return closing;
    },
  };
  refreshers.set(store, () => figures.refresh());
  return store;
}

const refreshers = new WeakMap<Store, () => Promise<void>>();

/** Refreshes a PostgreSQL store's figures now instead of at its next interval (tests, tools). */
export async function refreshPostgresFigures(store: Store): Promise<void> {
  await refreshers.get(store)?.();
}

/** Drops a schema and everything in it (tests, and an operator's clean start). */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  const sql = new SQL(url, { max: 1, prepare: PREPARE_STATEMENTS });
  try {
    await sql.unsafe(`DROP SCHEMA IF EXISTS ${quoteSchema(schema)} CASCADE`);
  } finally {
    await sql.close();
  }
}
