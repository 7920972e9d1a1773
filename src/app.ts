// The composition root: builds the concrete store, engine, scheduler jobs and HTTP server from a
// settled Config, and tears them down in order. The only place that knows every concrete piece.

import type { Server } from "bun";
import type { Config } from "./config/config";
import { createDeliveryEngine } from "./delivery/delivery-engine";
import { bootstrapAccess } from "./domain/bootstrap";
import { createHttpApp } from "./http/http-app";
import { SOCKET_BODY_LIMIT_BYTES } from "./http/json-body";
import type { Logger } from "./observability/logger";
import { Metrics } from "./observability/metrics";
import { startRetention } from "./scheduler/retention";
import { openLmdbStore } from "./storage/lmdb/lmdb-store";
import { VERSION } from "./version";

export interface RunningApp {
  readonly port: number;
  readonly url: string;
  /** Stops taking requests, lets attempts in flight finish (bounded), flushes and closes the store. */
  stop(): Promise<void>;
}

/** Keys created on first start, shown once to whoever started the process; only hashes are kept. */
export interface FirstStartKeys {
  adminKey?: string;
  defaultAccount?: { id: string; apiKey: string };
}

export async function startApp(
  config: Config,
  logger: Logger,
  announceKeys: (keys: FirstStartKeys) => void,
): Promise<RunningApp> {
  const store = await openLmdbStore({ dataDir: config.dataDir, logger });
  try {
    const access = await bootstrapAccess(store, config, Date.now());
    if (access.printedAdminKey || access.defaultAccount) {
      announceKeys({ adminKey: access.printedAdminKey, defaultAccount: access.defaultAccount });
    }
  } catch (err) {
    await store.close();
    throw err;
  }

  const metrics = new Metrics();
  const engine = createDeliveryEngine({ store, config, logger, metrics, version: VERSION });
  const retention = startRetention({ store, retentionMs: config.retentionMs, logger });
  let shuttingDown = false;
  const http = createHttpApp({
    store,
    config,
    logger,
    metrics,
    delivery: engine,
    version: VERSION,
    isShuttingDown: () => shuttingDown,
  });

  let server: Server<unknown>;
  try {
    server = Bun.serve({
      port: config.port,
      hostname: config.host,
      // Out of reach: the HTTP layer answers every 413, with the JSON error (see json-body.ts).
      maxRequestBodySize: SOCKET_BODY_LIMIT_BYTES,
      fetch: (request) => http.handle(request),
    });
  } catch (err) {
    retention.stop();
    await store.close();
    throw err;
  }
  engine.start();
  const port = server.port ?? config.port;
  const url = `http://${config.host}:${port}`;
  logger.info("listening", { url, port, version: VERSION, data_dir: config.dataDir });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      shuttingDown = true;
      logger.info("shutting down", { grace_ms: config.shutdownGraceMs });
      await server.stop(false);
      retention.stop();
      await engine.stop(config.shutdownGraceMs);
      await store.flushed();
      await store.close();
      logger.info("stopped");
    })();
    return stopping;
  };
  return { port, url, stop };
}
