// The LMDB implementation of the Store contract: one environment in the data directory, one
// sub-database per record kind and index (./lmdb-databases.ts), every write through the group-commit
// batcher (./write-batcher.ts), one writer process per directory (./data-dir-lock.ts). The data file is
// checked before LMDB maps it (./open-checks.ts), and writes are refused with StoreFullError before the
// disk is full (./storage-space.ts).
//
// Opening costs no scan, whatever the backlog: counts come from LMDB page statistics, and the
// queue is read by range when the scheduler leases due work. Leases live in memory
// (./leases.ts, ./due-work.ts): one process owns the directory, so a lease writes nothing and none
// survives a restart. Reads are synchronous LMDB reads handed out as settled promises (./sync-read.ts).

import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { RootDatabase } from "lmdb";
import type { Logger } from "../../observability/logger";
import type { Store, StoreFigures } from "../store";
import { accountsRepository } from "./accounts-repository";
import { apiKeysRepository } from "./api-keys-repository";
import { HealthTail } from "./attempt-rollups";
import { attemptsRepository } from "./attempts-repository";
import { acquireDataDirLock } from "./data-dir-lock";
import { deliveriesRepository } from "./deliveries-repository";
import { dueWork } from "./due-work";
import { eventTypesRepository } from "./event-types-repository";
import { eventsRepository } from "./events-repository";
import { LeaseTable } from "./leases";
import { DATA_FILE, type Databases, entryCount, openDatabases } from "./lmdb-databases";
import { metaRepository } from "./meta-repository";
import { checkBeforeOpen, checkIdentity, markInitialised } from "./open-checks";
import { portalLinksRepository } from "./portal-links-repository";
import { createReadCaches } from "./read-cache";
import { retention } from "./retention";
import { CURRENT_SCHEMA_VERSION, type Migration, migrations, upgradeSchema } from "./schema";
import { sessionsRepository } from "./sessions-repository";
import { statsRepository } from "./stats-repository";
import { SpaceMonitor } from "./storage-space";
import { readMarker, type StoreMarker } from "./store-marker";
import { webhooksRepository } from "./webhooks-repository";
import { WriteBatcher } from "./write-batcher";

export interface LmdbStoreOptions {
  dataDir: string;
  logger: Logger;
  /** Initial LMDB map size; LMDB grows it as needed, so this only avoids early remaps. */
  mapSizeBytes?: number;
  /** For tests of future schema versions; production uses the built-in list and version. */
  schema?: { migrations: readonly Migration[]; version: number };
  /**
   * The store's clock: stamps the records the store changes itself (cancellations, reschedules)
   * and measures leases. Tests move it.
   */
  now?: () => number;
}

/**
 * Opens (creating when missing) the store in `dataDir`. Throws StoreLockedError when another live
 * process holds the directory, SchemaVersionError when it was written by a newer build, and
 * StoreDamagedError when its data file is damaged, missing or not this directory's (./open-checks.ts).
 */
export async function openLmdbStore(opts: LmdbStoreOptions): Promise<Store> {
  const { dataDir, logger } = opts;
  const clock = opts.now ?? Date.now;
  mkdirSync(dataDir, { recursive: true });
  const lock = acquireDataDirLock(dataDir);
  let dbs: Databases;
  let marker: StoreMarker | undefined;
  try {
    marker = readMarker(dataDir);
    // Before LMDB maps the file: a damaged one would crash the process or be taken for a new store.
    if (checkBeforeOpen(dataDir, DATA_FILE, marker)) await checkIdentity(dataDir, DATA_FILE, marker);
    dbs = openDatabases(join(dataDir, DATA_FILE), opts.mapSizeBytes);
  } catch (error) {
    lock.release();
    throw error;
  }
  try {
    const ran = upgradeSchema(
      dbs,
      opts.schema?.migrations ?? migrations,
      opts.schema?.version ?? CURRENT_SCHEMA_VERSION,
    );
    for (const migration of ran) {
      logger.info("storage schema migrated", {
        version: migration.version,
        migration: migration.description,
      });
    }
    await markInitialised(dbs, dataDir, marker, clock());
  } catch (error) {
    await dbs.root.close();
    lock.release();
    throw error;
  }

  const space = new SpaceMonitor({ dataDir, logger, now: clock });
  // Attempts' health records are written once per webhook per transaction (./attempt-rollups.ts).
  const health = new HealthTail(dbs);
  const writer = new WriteBatcher(guardCommits(dbs.root, space), { tail: health });
  const caches = createReadCaches();
  const leases = new LeaseTable();
  const purge = retention(dbs, writer);
  let closing: Promise<void> | null = null;

  logger.info("storage opened", {
    data_dir: dataDir,
    pending: entryCount(dbs.queue),
    accounts: entryCount(dbs.accounts),
  });

  const store: Store = {
    meta: metaRepository(dbs, writer, caches),
    accounts: accountsRepository(dbs, writer, caches, clock),
    apiKeys: apiKeysRepository(dbs, writer, caches),
    webhooks: webhooksRepository(dbs, writer, caches, clock),
    events: eventsRepository(dbs, writer, caches, leases, clock),
    deliveries: deliveriesRepository(dbs, writer, health, leases, clock),
    attempts: attemptsRepository(dbs, writer),
    stats: statsRepository(dbs),
    eventTypes: eventTypesRepository(dbs, writer),
    sessions: sessionsRepository(dbs, writer),
    portalLinks: portalLinksRepository(dbs, writer),
    work: dueWork(dbs, leases, clock),
    purge,

    async flushed(): Promise<void> {
      await writer.idle();
      await dbs.root.flushed;
    },

    // Live: LMDB's page statistics count the queue in O(1), and the file's size is one stat.
    figures: (): StoreFigures => ({
      pendingDeliveries: entryCount(dbs.queue),
      sizeBytes: sizeOnDisk(join(dataDir, DATA_FILE)),
      asOf: clock(),
    }),

    health: () => space.health(),

    close(): Promise<void> {
      closing ??= (async () => {
        space.close();
        writer.close();
        await dbs.root.flushed;
        await dbs.root.close();
        lock.release();
        logger.info("storage closed", { data_dir: dataDir });
      })();
      return closing;
    },
  };
  openedDatabases.set(store, dbs);
  return store;
}

const openedDatabases = new WeakMap<Store, Databases>();

/**
 * The sub-databases behind an open LMDB store, for tools that read every record as stored
 * (src/storage/transfer: migrate-store); undefined for any other store. Readers only: every write
 * goes through the store, and nothing may be read after it is closed.
 */
export function lmdbDatabasesOf(store: Store): Databases | undefined {
  return openedDatabases.get(store);
}

/** Allocated blocks, not the apparent size: what the store really takes on disk. */
function sizeOnDisk(file: string): number {
  const stat = statSync(file);
  return stat.blocks > 0 ? stat.blocks * 512 : stat.size;
}

/**
 * The root database as the write batcher sees it: every write transaction goes through the space
 * monitor, which refuses it with StoreFullError when the disk is (nearly) full.
 */
function guardCommits(root: RootDatabase, space: SpaceMonitor): Pick<RootDatabase, "transactionSync"> {
  return { transactionSync: (fn) => space.guard(() => root.transactionSync(fn)) };
}
