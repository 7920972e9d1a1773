// Engine set-up for tests: a delivery engine over a real store, with fast scheduler pacing.

import type { Config } from "../../src/config/config";
import {
  createDeliveryEngine,
  type DeliveryEngine,
  type DeliveryEngineDeps,
} from "../../src/delivery/delivery-engine";
import { eventCatalog } from "../../src/domain/event-catalog";
import { EventsService } from "../../src/domain/events-service";
import { Metrics } from "../../src/observability/metrics";
import type { Store } from "../../src/storage/store";
import { silentLogger } from "../support/silent-logger";
import { publish } from "./store-fixtures";

export * from "./store-fixtures";

/**
 * Publishes as EventsService does: the store leases the first attempts due now to the engine (as
 * many as it has room for), and the engine gets the leases once the write is durable.
 */
export async function publishLeased(
  store: Store,
  engine: DeliveryEngine,
  ...args: Parameters<typeof publish> extends [unknown, ...infer R] ? R : never
) {
  const [accountId, webhooks, opts = {}] = args;
  const askedAt = Date.now();
  const out = await publish(store, accountId, webhooks, { ...opts, lease: engine.publishLease() });
  await store.flushed();
  engine.enqueue({ leases: out.leases, askedAt }, [out.event]);
  return out;
}

export function engineFor(
  store: Store,
  config: Config,
  extra: Partial<DeliveryEngineDeps> = {},
): { engine: DeliveryEngine; metrics: Metrics } {
  const metrics = new Metrics();
  const engine = createDeliveryEngine({
    store,
    config,
    logger: silentLogger,
    metrics,
    version: "0.0.0-test",
    scheduler: { refillMs: 50, rescanMs: 200 },
    ...extra,
  });
  return { engine, metrics };
}

/**
 * Publishes one event of the catalog's first type through EventsService, as the API does (the
 * engine gets the publish's leases), and returns the id of its first delivery.
 */
export async function publishThroughService(
  store: Store,
  engine: DeliveryEngine,
  config: Config,
  accountId: string,
): Promise<string> {
  const events = new EventsService({
    store,
    catalog: eventCatalog,
    delivery: engine,
    metrics: new Metrics(),
    config,
    now: Date.now,
  });
  const type = eventCatalog.types()[0] as string;
  const [out] = await events.publish(accountId, [{ type, data: eventCatalog.sample(type) }]);
  return out?.deliveries[0]?.id as string;
}
