// The composition root: builds the concrete store, engine, scheduler jobs and HTTP server from a
// settled Config, and tears them down in order. The only place that knows every concrete piece.
//
// The store is LMDB in the data directory (one process), or PostgreSQL when a database URL is set
// (any number of replicas); the scheduler's pacing follows it (schedulerTuningFor).
//
// Start order: open the store, listen, then create first-start keys, so that keys are printed only
// by a process that is serving (a start that fails to listen creates none and prints none; of
// several replicas starting on one empty database, one prints them); the server answers 503 until
// then. Shutdown stops the retention job and the recovery runner first (a recovery batch in progress
// finishes; unfinished recoveries stay saved and resume at the next start), then keeps the listening
// socket open while attempts in flight drain, answering 503 (GET /health says "shutting_down"), so
// that load balancers see the shutdown instead of refused connections; then it closes the socket,
// flushes the store and closes it.

import type { Server } from "bun";
import type { Config } from "./config/config";
import { redactDatabaseUrl } from "./config/database-url";
import { createDeliveryEngine, type SchedulerTuning } from "./delivery/delivery-engine";
import { createTargetResolver } from "./delivery/resolve-target";
import { logBlockedWebhooks } from "./domain/blocked-destinations";
import { bootstrapAccess } from "./domain/bootstrap";
import { KeyUsage } from "./domain/key-usage";
import { createOperations } from "./domain/operations";
import { resumeRecoveries } from "./domain/recovery-runner";
import { ApiError } from "./http/api-error";
import { notePeerAddress } from "./http/client-address";
import { errorResponse } from "./http/error-handler";
import { createHttpApp, type HttpApp } from "./http/http-app";
import { SOCKET_BODY_BYTES_MAX } from "./http/json-body";
import type { Logger } from "./observability/logger";
import { Metrics } from "./observability/metrics";
import { startRetention } from "./scheduler/retention";
import { DATA_FILE } from "./storage/lmdb/lmdb-databases";
import { openLmdbStore } from "./storage/lmdb/lmdb-store";
import { asStoreDamage } from "./storage/lmdb/open-checks";
import { openPostgresStore } from "./storage/postgres/pg-store";
import type { Store } from "./storage/store";
import { VERSION } from "./version";

export interface RunningApp {
  readonly port: number;
  readonly url: string;
  /**
   * Stops retention and recoveries, then answers 503 to every request (GET /health says "shutting_down") while
   * attempts in flight finish (bounded by shutdownGraceMs), then closes the socket, flushes and closes
   * the store.
   */
  stop(): Promise<void>;
}

/** Keys created on first start, shown once to whoever started the process; only hashes are kept. */
export interface FirstStartKeys {
  adminKey?: string;
  defaultAccount?: { id: string; apiKey: string };
}

/** How long requests already being answered get to finish once attempts have drained, at least. */
const REQUEST_DRAIN_MS_MIN = 1_000;

export async function startApp(
  config: Config,
  logger: Logger,
  announceKeys: (keys: FirstStartKeys) => void,
): Promise<RunningApp> {
  // The one clock: every component that stamps or schedules reads time from here.
  const now = Date.now;
  const store = await openStore(config, logger, now);

  const metrics = new Metrics();
  // One disabling path and one operational events publisher for the engine and the API (the API's
  // services connect the events to their publisher before the engine starts).
  const operations = createOperations({ store, logger, metrics, now });
  // Refusals reach the tenant's log without the address; the operator's log gets it from here.
  const resolver = createTargetResolver({ allowPrivate: config.allowPrivateTargets, logger, now });
  const engine = createDeliveryEngine({
    store,
    config,
    logger,
    metrics,
    version: VERSION,
    resolver,
    now,
    scheduler: schedulerTuningFor(config),
    operations,
  });
  // last_used_at of API keys: noted in memory per request, written once a minute (and at stop).
  const keyUsage = new KeyUsage({ store, now, logger });
  let phase: "starting" | "running" | "shutting_down" = "starting";
  const http = createHttpApp({
    store,
    config,
    now,
    logger,
    metrics,
    delivery: engine,
    version: VERSION,
    isShuttingDown: () => phase === "shutting_down",
    operations,
    keyUsage,
  });

  let server: Server<unknown>;
  try {
    server = listen(config, http, () => phase === "starting");
  } catch (err) {
    await store.close();
    throw err;
  }
  try {
    const access = await bootstrapAccess(store, config, now());
    phase = "running";
    // Keys first: whoever waits for the "listening" line finds them printed already.
    if (access.printedAdminKey || access.defaultAccount) {
      announceKeys({ adminKey: access.printedAdminKey, defaultAccount: access.defaultAccount });
    }
    logListening(config, server, logger);
  } catch (err) {
    await server.stop(true);
    await store.close();
    throw err;
  }
  engine.start();
  const recoveries = resumeRecoveries({ store, delivery: engine, logger, now });
  const retention = startRetention({
    store,
    retentionMs: config.retentionMs,
    logger,
    now,
    sessions: { store, idleMs: config.sessionIdleMs },
  });
  keyUsage.start();

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      phase = "shutting_down";
      const deadline = now() + config.shutdownGraceMs;
      logger.info("shutting down", { grace_ms: config.shutdownGraceMs });
      // Before the store closes: the recovery batch in progress ends while attempts drain.
      const recoveriesStopped = recoveries.stop(config.shutdownGraceMs);
      await retention.stop();
      await engine.stop(config.shutdownGraceMs);
      await recoveriesStopped;
      await closeListener(server, Math.max(REQUEST_DRAIN_MS_MIN, deadline - now()));
      await keyUsage.stop();
      await store.flushed();
      await store.close();
      logger.info("stopped");
    })();
    return stopping;
  };
  const port = server.port ?? config.port;
  return { port, url: `http://${hostForUrl(config.host)}:${port}`, stop };
}

/**
 * How the scheduler paces itself on each store. LMDB, one process: a 60 s horizon and a refill a
 * second (this replica is the only one; publishes and relets hand it nearly everything). PostgreSQL,
 * shared: each replica leases only about 2 s of work ahead, so that due work spreads over the
 * replicas and a dead replica's share is small, polled every 200 ms, re-read from the start every
 * second.
 */
export function schedulerTuningFor(config: Pick<Config, "databaseUrl">): SchedulerTuning {
  if (config.databaseUrl === undefined) return { horizonMs: 60_000, refillMs: 1_000 };
  return { horizonMs: 2_000, refillMs: 200, rescanMs: 1_000 };
}

/**
 * Opens the store and reads what the start reports of it (webhooks the SSRF guard now blocks). LMDB's
 * corruption errors met on the way become StoreDamagedError (exit code 3), and the store is closed.
 */
async function openStore(config: Config, logger: Logger, now: () => number): Promise<Store> {
  let store: Store | undefined;
  try {
    store =
      config.databaseUrl === undefined
        ? await openLmdb(config, logger, now)
        : await openPostgres(config, logger);
    if (config.allowPrivateTargets) {
      logger.warn("private targets allowed: webhooks may reach loopback, private and link-local addresses", {
        option: "INBOX_ALLOW_PRIVATE_TARGETS",
        hint: "for development and tests only; never on a server that tenants you do not trust can use",
      });
    } else {
      await logBlockedWebhooks(store, config.allowPrivateTargets, logger);
    }
    return store;
  } catch (error) {
    await store?.close().catch(() => {});
    throw config.databaseUrl === undefined ? asStoreDamage(error, config.dataDir, DATA_FILE) : error;
  }
}

/** The embedded store: the data directory's lock and LMDB's own checks apply. */
function openLmdb(config: Config, logger: Logger, now: () => number): Promise<Store> {
  return openLmdbStore({ dataDir: config.dataDir, logger, now });
}

/**
 * The shared store: the schema is created or migrated on open (one replica migrates). Its clock for
 * leases stays the database server's (its default): one clock for every replica, whose own clocks
 * may drift apart.
 */
function openPostgres(config: Config, logger: Logger): Promise<Store> {
  const url = config.databaseUrl as string;
  logger.info("opening the PostgreSQL store", {
    database: redactDatabaseUrl(url),
    replica_id: config.replicaId,
  });
  return openPostgresStore({
    url,
    poolMax: config.databasePoolMax,
    logger,
    replicaId: config.replicaId,
  });
}

/** Starts serving, or throws an Error naming the address, the options that set it and the reason. */
function listen(config: Config, http: HttpApp, starting: () => boolean): Server<unknown> {
  try {
    return Bun.serve({
      port: config.port,
      hostname: config.host,
      // Out of reach: the HTTP layer answers every 413, with the JSON error (see json-body.ts).
      maxRequestBodySize: SOCKET_BODY_BYTES_MAX,
      fetch: (request, server) => {
        // The one unforgeable client address, for per-client limits (see http/client-address.ts).
        notePeerAddress(request, server.requestIP(request)?.address);
        return starting()
          ? errorResponse(ApiError.unavailable("starting"), { "retry-after": "1" })
          : http.handle(request);
      },
    });
  } catch (err) {
    const address = `${hostForUrl(config.host)}:${config.port}`;
    throw new Error(
      `cannot listen on ${address} (--host/INBOX_HOST, --port/INBOX_PORT): ${listenFailure(err)}`,
    );
  }
}

function listenFailure(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (code === "EADDRINUSE") return "the port is in use by another process (EADDRINUSE)";
  if (code === "EADDRNOTAVAIL") return "the address does not belong to this machine (EADDRNOTAVAIL)";
  if (code === "EACCES") return "permission denied: ports below 1024 need privileges (EACCES)";
  if (code === "EINVAL") return "the address cannot be listened on here (EINVAL)";
  return err instanceof Error ? err.message : String(err);
}

/** Stops accepting connections and waits up to `boundMs` for requests in progress, then cuts them. */
async function closeListener(server: Server<unknown>, boundMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const drained = await Promise.race([
    server.stop(false).then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), boundMs);
    }),
  ]).finally(() => clearTimeout(timer));
  if (!drained) await server.stop(true);
}

function logListening(config: Config, server: Server<unknown>, logger: Logger): void {
  const port = server.port ?? config.port;
  const url = `http://${hostForUrl(config.host)}:${port}`;
  const store =
    config.databaseUrl === undefined
      ? { data_dir: config.dataDir }
      : { database: redactDatabaseUrl(config.databaseUrl), replica_id: config.replicaId };
  logger.info("listening", { url, port, version: VERSION, ...store });
}

/** An IPv6 literal in brackets, as URLs and host:port pairs need it. */
function hostForUrl(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}
