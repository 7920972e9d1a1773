// Publishing events (single or batch, all or none) with fan-out to subscribed webhooks, and
// reading them back with the state of their deliveries.

import type { Config } from "../config/config";
import type { Metrics } from "../observability/metrics";
import type { DeliveryRecord, EventRecord, Page, PageQuery } from "../storage/records";
import type { PublishItem, Store } from "../storage/store";
import type { DeliveryPort } from "./delivery-port";
import { DomainError, type FieldIssue } from "./errors";
import type { EventCatalog } from "./event-catalog";
import { newId } from "./ids";

export interface PublishInput {
  type: string;
  data: unknown;
  /** The publisher's idempotency key within the account; a fresh evt_ id when absent. */
  id?: string;
}

export interface PublishOutcome {
  event: EventRecord;
  /** True when the id was already stored: the stored event is answered and nothing is written. */
  replayed: boolean;
  /** Deliveries created by this call (none on replay). */
  deliveries: DeliveryRecord[];
}

export interface EventsServiceDeps {
  store: Store;
  catalog: EventCatalog;
  delivery: DeliveryPort;
  metrics: Metrics;
  config: Pick<Config, "retrySchedule">;
  now: () => number;
}

export class EventsService {
  constructor(private readonly deps: EventsServiceDeps) {}

  /**
   * Validates every input first (issues named `<fieldPrefix><index>/...` for batches), then stores
   * all events with their deliveries in one atomic write and waits until it is on disk: when this
   * resolves the events are durable. Only then does the engine hear of the new deliveries.
   */
  async publish(accountId: string, inputs: PublishInput[], fieldPrefix?: string): Promise<PublishOutcome[]> {
    const issues: FieldIssue[] = [];
    inputs.forEach((input, i) => {
      const base = fieldPrefix === undefined ? "" : `${fieldPrefix}/${i}`;
      if (!this.deps.catalog.has(input.type)) {
        issues.push({
          field: `${base}/type`,
          reason: `unknown event type "${input.type}"; known types: ${this.deps.catalog.types().join(", ")}`,
        });
        return;
      }
      for (const issue of this.deps.catalog.validate(input.type, input.data)) {
        issues.push({ field: `${base}${issue.field}`, reason: issue.reason });
      }
    });
    if (issues.length > 0) throw DomainError.invalid("the event is not valid", issues.slice(0, 100));

    const now = this.deps.now();
    const firstDelay = this.deps.config.retrySchedule[0] ?? 0;
    const items: PublishItem[] = inputs.map((input) => {
      const event: EventRecord = {
        id: input.id ?? newId("evt", now),
        account_id: accountId,
        type: input.type,
        created_at: now,
        data: input.data,
      };
      const deliveries = this.deps.store.webhooks.subscribers(accountId, input.type).map(
        (webhook): DeliveryRecord => ({
          id: newId("dlv", now),
          account_id: accountId,
          event_id: event.id,
          event_type: event.type,
          webhook_id: webhook.id,
          status: "pending",
          attempts: 0,
          next_attempt_at: now + firstDelay,
          created_at: now,
          updated_at: now,
          last_attempt_at: null,
          last_status_code: null,
          last_error: null,
        }),
      );
      return { event, deliveries, generatedId: input.id === undefined };
    });

    const results = await this.deps.store.events.publish(items);
    await this.deps.store.flushed();

    const created = results.filter((r) => r.created);
    const due = created.flatMap((r) =>
      r.deliveries.map((d) => ({ delivery_id: d.id, due: d.next_attempt_at ?? now })),
    );
    // The events go along, so that their first attempts need not read them back from the store.
    const events = created
      .filter((r) => r.deliveries.some((d) => d.status === "pending"))
      .map((r) => r.event);
    const deliveries = created.flatMap((r) => r.deliveries);
    if (due.length > 0) this.deps.delivery.enqueue(due, events, deliveries);
    if (created.length > 0) this.deps.metrics.eventsPublished.inc(undefined, created.length);

    return results.map((r) => ({
      event: r.event,
      replayed: !r.created,
      deliveries: r.created ? r.deliveries : [],
    }));
  }

  get(accountId: string, id: string): { event: EventRecord; deliveries: DeliveryRecord[] } {
    const event = this.deps.store.events.get(accountId, id);
    if (!event) throw DomainError.notFound("event");
    return { event, deliveries: this.deps.store.deliveries.listForEvent(accountId, id) };
  }

  list(accountId: string, page: PageQuery): Page<EventRecord> {
    return this.deps.store.events.list(accountId, page);
  }
}
