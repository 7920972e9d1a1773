// Engine set-up for tests: a delivery engine over a real store, with fast scheduler pacing.

import type { Config } from "../../src/config/config";
import {
  createDeliveryEngine,
  type DeliveryEngine,
  type DeliveryEngineDeps,
} from "../../src/delivery/delivery-engine";
import { Metrics } from "../../src/observability/metrics";
import type { Store } from "../../src/storage/store";
import { silentLogger } from "../support/silent-logger";

export * from "./store-fixtures";

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
