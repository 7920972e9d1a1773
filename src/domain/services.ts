// Builds the domain services from their collaborators. The HTTP layer calls only these.

import type { Config } from "../config/config";
import type { Metrics } from "../observability/metrics";
import type { Store } from "../storage/store";
import { AccountsService } from "./accounts-service";
import { DeliveriesService } from "./deliveries-service";
import type { DeliveryPort } from "./delivery-port";
import { type EventCatalog, eventCatalog } from "./event-catalog";
import { EventsService } from "./events-service";
import { LogsService } from "./logs-service";
import { WebhooksService } from "./webhooks-service";

export interface Services {
  accounts: AccountsService;
  webhooks: WebhooksService;
  events: EventsService;
  deliveries: DeliveriesService;
  logs: LogsService;
  catalog: EventCatalog;
}

export interface ServicesDeps {
  store: Store;
  config: Config;
  metrics: Metrics;
  delivery: DeliveryPort;
  now: () => number;
  catalog?: EventCatalog;
}

export function createServices(deps: ServicesDeps): Services {
  const { store, config, metrics, delivery, now } = deps;
  const catalog = deps.catalog ?? eventCatalog;
  return {
    accounts: new AccountsService({ store, now }),
    webhooks: new WebhooksService({
      store,
      catalog,
      delivery,
      allowPrivateTargets: config.allowPrivateTargets,
      webhooksPerAccountMax: config.webhooksPerAccountMax,
      now,
    }),
    events: new EventsService({ store, catalog, delivery, metrics, config, now }),
    deliveries: new DeliveriesService({ store, delivery, now }),
    logs: new LogsService({ store }),
    catalog,
  };
}
