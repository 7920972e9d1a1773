// Unauthenticated operational endpoints: /health (still answered while shutting down, with 503, so
// that load balancers and orchestrators stop routing here; "degraded" while the disk is full or the
// database cannot be reached) and /metrics (Prometheus text). Both read only in-memory figures
// (Store.figures(), Store.health()), so they answer even while the database is down. `GET /` points
// a browser at the dashboard (/dashboard; the API reference stays at /swagger).

import { Elysia, t } from "elysia";
import type { DeliveryPort } from "../../domain/delivery-port";
import type { Metrics } from "../../observability/metrics";
import type { Store, StoreHealth } from "../../storage/store";
import { HealthModel } from "../models/system";

export interface SystemRouteDeps {
  store: Store;
  metrics: Metrics;
  delivery: DeliveryPort;
  version: string;
  isShuttingDown: () => boolean;
}

export function systemRoutes(deps: SystemRouteDeps) {
  return new Elysia({ tags: ["System"] })
    .get("/", () => new Response(null, { status: 302, headers: { location: "/dashboard" } }), {
      detail: { hide: true },
    })
    .get(
      "/health",
      ({ set }) => {
        const shuttingDown = deps.isShuttingDown();
        if (shuttingDown) set.status = 503;
        const body = {
          status: shuttingDown ? ("shutting_down" as const) : ("ok" as const),
          version: deps.version,
          pending: deps.store.figures().pendingDeliveries,
          in_flight: deps.delivery.inFlight(),
        };
        const health = deps.store.health();
        if (shuttingDown || health.writable) return body;
        // Still 200: a supervisor that restarts an unhealthy process frees no disk space and brings
        // no database back, and a restart would drop attempts in flight, while this process keeps
        // serving what it can and takes writes again by itself once the store does.
        return { ...body, status: "degraded" as const, ...degradation(health) };
      },
      {
        response: { 200: HealthModel, 503: HealthModel },
        detail: {
          summary: "Liveness",
          description:
            "Version, pending deliveries and attempts in flight; 503 while shutting down; status " +
            '"degraded" (with 200) while the disk is full or the database cannot be reached. No key needed.',
          security: [],
        },
      },
    )
    .get(
      "/metrics",
      () =>
        new Response(deps.metrics.render(), {
          headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
        }),
      {
        response: { 200: t.String({ description: "Prometheus text exposition format 0.0.4." }) },
        detail: { summary: "Prometheus metrics", description: "No key needed.", security: [] },
      },
    );
}

/** Why writes are refused, for the degraded /health answer. */
function degradation(health: StoreHealth) {
  if (health.reason === "unavailable") {
    return {
      reason: "store_unavailable" as const,
      message:
        "the database cannot be reached: requests that need it answer 503 store_unavailable" +
        `${since(health.since)}; this replica recovers by itself once the database answers again`,
    };
  }
  return {
    reason: "storage_full" as const,
    message:
      "too little space is left on the disk holding the data directory: writes (publishing, webhook " +
      `changes, attempt records) are refused${since(health.since)}; ` +
      "they resume by themselves once space is freed",
  };
}

/** " since <time>" when the moment writes stopped is known. */
function since(at: number | undefined): string {
  return at === undefined ? "" : ` since ${new Date(at).toISOString()}`;
}
