// The HTTP API: builds the Elysia app, which does not listen itself (src/app.ts hands its `handle`
// to Bun.serve). Order matters: the error handler first, then the request guards (503, 413, body
// parsing, integer query parameters), then authentication, then the routes. Each route module is
// the controller of one resource and calls domain services.

import { Elysia } from "elysia";
import type { Config } from "../config/config";
import { createDashboard, dashboardRequests } from "../dashboard/dashboard-app";
import type { DeliveryPort } from "../domain/delivery-port";
import { KeyUsage } from "../domain/key-usage";
import type { Operations } from "../domain/operations";
import { createServices } from "../domain/services";
import type { Logger } from "../observability/logger";
import type { Metrics } from "../observability/metrics";
import type { Store } from "../storage/store";
import { authentication } from "./auth";
import { cors } from "./cors";
import { errorHandler } from "./error-handler";
import { requestGuards } from "./request-guards";
import { type RouteLike, RouteMethods } from "./route-methods";
import { accountRoutes } from "./routes/accounts";
import { deliveryRoutes } from "./routes/deliveries";
import { eventTypeRoutes } from "./routes/event-types";
import { eventRoutes } from "./routes/events";
import { keyRoutes } from "./routes/keys";
import type { RouteContext } from "./routes/route-context";
import { systemRoutes } from "./routes/system";
import { webhookRecoveryRoutes } from "./routes/webhook-recovery";
import { webhookStatsRoutes } from "./routes/webhook-stats";
import { webhookRoutes } from "./routes/webhooks";
import { swaggerUi } from "./swagger-ui";

export interface HttpDeps {
  store: Store;
  config: Config;
  logger: Logger;
  metrics: Metrics;
  delivery: DeliveryPort;
  version: string;
  isShuttingDown: () => boolean;
  now?: () => number;
  /** Operational events and disabling, shared with the delivery engine; made when absent. */
  operations?: Operations;
  /** API key uses for last_used_at, flushed by src/app.ts; made (never flushed) when absent. */
  keyUsage?: KeyUsage;
}

// Gauges read live values at scrape time; register them once per Metrics however many apps use it.
const gaugesRegistered = new WeakSet<Metrics>();

function registerGauges(metrics: Metrics, store: Store): void {
  if (gaugesRegistered.has(metrics)) return;
  gaugesRegistered.add(metrics);
  // Figures are a snapshot (refreshed every few seconds on PostgreSQL): a scrape never waits on
  // the database.
  metrics.addGauge(
    "inbox_deliveries_pending",
    "Deliveries waiting for an attempt, all replicas together.",
    () => store.figures().pendingDeliveries,
  );
  metrics.addGauge(
    "inbox_store_size_bytes",
    "Bytes the store occupies on disk.",
    () => store.figures().sizeBytes,
  );
  metrics.addGauge("inbox_store_full", "1 while writes are refused because the disk is full, else 0.", () =>
    store.health().reason === "full" ? 1 : 0,
  );
  metrics.addGauge(
    "inbox_store_unavailable",
    "1 while the database cannot be reached (writes and uncached reads fail), else 0.",
    () => (store.health().reason === "unavailable" ? 1 : 0),
  );
  metrics.addCounter(
    "inbox_store_full_refused_commits_total",
    "Write transactions refused because the disk holding the data directory was full.",
    () => store.health().refusedWrites,
  );
}

export function createHttpApp(deps: HttpDeps) {
  const now = deps.now ?? Date.now;
  const keyUsage = deps.keyUsage ?? new KeyUsage({ store: deps.store, now, logger: deps.logger });
  const services = createServices({
    store: deps.store,
    config: deps.config,
    metrics: deps.metrics,
    delivery: deps.delivery,
    now,
    logger: deps.logger,
    operations: deps.operations,
    keyUsage,
  });
  registerGauges(deps.metrics, deps.store);

  const auth = authentication(deps.store, { now, usage: keyUsage });
  const ctx: RouteContext = { services, auth: auth.principal, publicUrl: deps.config.publicUrl };
  // Read lazily, once every route is registered, to answer 405 for known paths.
  const routeMethods = new RouteMethods((): RouteLike[] => app.routes);

  const app = new Elysia({ normalize: false })
    .use(errorHandler({ logger: deps.logger, routeMethods }))
    // /dashboard/* is answered here, before the API's guards, parser and routes (its own 503 page).
    .use(dashboardRequests(createDashboard({ ...deps, services, sessions: services.sessions, now })))
    .use(cors(deps.config.corsOrigins ?? []))
    .use(
      requestGuards({
        bodyBytesMax: deps.config.bodyBytesMax,
        dataDepthMax: deps.config.dataDepthMax,
        isShuttingDown: deps.isShuttingDown,
      }),
    )
    .use(auth.guard)
    .use(swaggerUi({ version: deps.version, publicUrl: deps.config.publicUrl }))
    .use(systemRoutes(deps))
    .group("/v1", (v1) =>
      v1
        .use(webhookRoutes(ctx))
        .use(webhookStatsRoutes(ctx))
        .use(webhookRecoveryRoutes(ctx))
        .use(eventRoutes(ctx))
        .use(deliveryRoutes(ctx))
        .use(eventTypeRoutes(ctx))
        .use(keyRoutes(ctx))
        .use(accountRoutes(ctx)),
    );
  return app;
}

export type HttpApp = ReturnType<typeof createHttpApp>;
