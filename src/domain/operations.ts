// What the operator is told and what it takes to tell it: the operational events publisher and the
// one disabling path that reports through it. Built once by the composition root (src/app.ts) and
// shared by the delivery engine and the domain services; createServices connects the events to
// their publisher.

import type { Logger } from "../observability/logger";
import type { Metrics } from "../observability/metrics";
import type { Store } from "../storage/store";
import { EventsService, type EventsServiceDeps } from "./events-service";
import { operationalCatalog } from "./operational-event-types";
import { OperationalEvents } from "./operational-events";
import { WebhookDisabling } from "./webhook-disabling";

export interface Operations {
  events: OperationalEvents;
  disabling: WebhookDisabling;
}

export function createOperations(deps: {
  store: Store;
  logger: Logger;
  metrics: Metrics;
  now: () => number;
}): Operations {
  const events = new OperationalEvents({ store: deps.store, logger: deps.logger });
  return { events, disabling: new WebhookDisabling({ ...deps, events }) };
}

/**
 * `given` (or new operations, for an app built without them), connected to an EventsService of
 * their own over the operational types, which publishes through `delivery` like any account's.
 */
export function connectOperations(
  given: Operations | undefined,
  deps: Omit<EventsServiceDeps, "catalog"> & { logger: Logger },
): Operations {
  const operations = given ?? createOperations(deps);
  operations.events.connect(new EventsService({ ...deps, catalog: operationalCatalog }));
  return operations;
}
