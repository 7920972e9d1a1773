// Builds the domain services from their collaborators. The HTTP layer calls only these.

import type { Config } from "../config/config";
import type { Logger } from "../observability/logger";
import type { Metrics } from "../observability/metrics";
import type { Store } from "../storage/store";
import { AccountsService } from "./accounts-service";
import { DeliveriesService } from "./deliveries-service";
import type { DeliveryPort } from "./delivery-port";
import { type CatalogSource, type EventCatalog, eventCatalog } from "./event-catalog";
import { EventTypeRegistry } from "./event-type-registry";
import { EventTypesService } from "./event-types-service";
import { EventsService } from "./events-service";
import { KeyUsage } from "./key-usage";
import { KeysService } from "./keys-service";
import { LogsService } from "./logs-service";
import { operationalCatalog } from "./operational-event-types";
import { connectOperations, type Operations } from "./operations";
import { recoveryRunnerFor } from "./recovery-runner";
import { RecoveryService } from "./recovery-service";
import { SessionsService } from "./sessions-service";
import { StatsService } from "./stats-service";
import { WebhooksService } from "./webhooks-service";

export interface Services {
  accounts: AccountsService;
  keys: KeysService;
  webhooks: WebhooksService;
  events: EventsService;
  deliveries: DeliveriesService;
  logs: LogsService;
  stats: StatsService;
  recovery: RecoveryService;
  /** The account event types of this store: the built-in ones and the operator's. */
  catalog: CatalogSource;
  eventTypes: EventTypesService;
  /** The operational event types (operator only), listed with the account types. */
  operationalCatalog: EventCatalog;
  operations: Operations;
  /** Dashboard sessions and portal links. */
  sessions: SessionsService;
}

export interface ServicesDeps {
  store: Store;
  config: Config;
  metrics: Metrics;
  delivery: DeliveryPort;
  now: () => number;
  /** The built-in account types (the documented ones when absent). */
  catalog?: EventCatalog;
  logger: Logger;
  /** Shared with the delivery engine (src/app.ts); made here when absent. */
  operations?: Operations;
  /** Started and stopped by src/app.ts; made here when absent (then never flushed by a timer). */
  keyUsage?: KeyUsage;
}

export function createServices(deps: ServicesDeps): Services {
  const { store, config, metrics, delivery, now } = deps;
  const catalog = new EventTypeRegistry({ store, builtIn: deps.catalog ?? eventCatalog });
  const operations = connectOperations(deps.operations, { ...deps, config });
  return {
    accounts: new AccountsService({ store, now }),
    keys: new KeysService({
      store,
      now,
      usage: deps.keyUsage ?? new KeyUsage({ store, now, logger: deps.logger }),
    }),
    webhooks: new WebhooksService({
      store,
      catalog,
      operationalCatalog,
      disabling: operations.disabling,
      delivery,
      allowPrivateTargets: config.allowPrivateTargets,
      webhooksPerAccountMax: config.webhooksPerAccountMax,
      now,
    }),
    events: new EventsService({ store, catalog, delivery, metrics, config, now }),
    deliveries: new DeliveriesService({ store, delivery, now }),
    logs: new LogsService({ store }),
    stats: new StatsService({ store, now, retentionMs: config.retentionMs }),
    recovery: new RecoveryService({
      store,
      now,
      runner: recoveryRunnerFor({ store, delivery, logger: deps.logger, now }),
    }),
    catalog,
    eventTypes: new EventTypesService({ store, registry: catalog, operationalCatalog, now }),
    operationalCatalog,
    operations,
    sessions: new SessionsService({
      store,
      now,
      ttlMs: config.sessionTtlMs,
      idleMs: config.sessionIdleMs,
    }),
  };
}
