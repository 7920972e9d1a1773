// Publishing events (single or batch, validated all or none, written in bounded chunks) with fan-out
// to subscribed webhooks, and reading them back with the state of their deliveries.

import type { Config } from "../config/config";
import type { Metrics } from "../observability/metrics";
import type {
  DeliveryRecord,
  DueEntry,
  EventRecord,
  Page,
  PageQuery,
  WebhookRecord,
} from "../storage/records";
import type { PublishItem, PublishResult, Store } from "../storage/store";
import type { DeliveryPort } from "./delivery-port";
import { DomainError, type FieldIssue } from "./errors";
import type { EventCatalog } from "./event-catalog";
import { newId } from "./ids";
import { LimitExceededError } from "./limits";
import { chunkRanges, PUBLISH_CHUNK_RECORDS } from "./publish-chunks";

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
  config: Pick<Config, "retrySchedule" | "deliveriesPerPublishMax">;
  now: () => number;
}

/** The enabled webhooks of the account subscribed to each event type the request publishes. */
type FanOut = Map<string, readonly WebhookRecord[]>;

export class EventsService {
  constructor(private readonly deps: EventsServiceDeps) {}

  /**
   * Validates every input first (issues named `<fieldPrefix><index>/...` for batches) and checks the
   * fan-out against deliveriesPerPublishMax: a bad request writes nothing. Then stores the events in
   * order, in writes of whole events with all their deliveries of at most PUBLISH_CHUNK_RECORDS
   * records each (./publish-chunks.ts), each durable before the next starts, so that a large batch
   * never holds the write transaction or the event loop for long. The engine hears of each write's
   * deliveries once it is on disk. When this resolves, every event is durable.
   *
   * A failure midway (disk full) rejects with the earlier writes kept, their deliveries under way:
   * publishing the same batch again with the same event ids is safe, since stored ids replay.
   */
  async publish(accountId: string, inputs: PublishInput[], fieldPrefix?: string): Promise<PublishOutcome[]> {
    this.assertValid(inputs, fieldPrefix);
    const fanOut = this.fanOut(accountId, inputs);
    const weights = inputs.map((input) => 1 + (fanOut.get(input.type)?.length ?? 0));
    const deliveries = weights.reduce((sum, w) => sum + w - 1, 0);
    const max = this.deps.config.deliveriesPerPublishMax;
    if (deliveries > max) throw LimitExceededError.deliveriesPerPublish(max, deliveries);

    const now = this.deps.now();
    const outcomes: PublishOutcome[] = [];
    for (const [start, end] of chunkRanges(weights, PUBLISH_CHUNK_RECORDS)) {
      const items = inputs.slice(start, end).map((input) => this.item(accountId, input, fanOut, now));
      for (const r of await this.write(items, now)) {
        outcomes.push({ event: r.event, replayed: !r.created, deliveries: r.created ? r.deliveries : [] });
      }
    }
    return outcomes;
  }

  private assertValid(inputs: PublishInput[], fieldPrefix: string | undefined): void {
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
  }

  /** Chosen once for the whole request: every event of a batch fans out to the same webhooks. */
  private fanOut(accountId: string, inputs: PublishInput[]): FanOut {
    const fanOut: FanOut = new Map();
    for (const { type } of inputs) {
      if (!fanOut.has(type)) fanOut.set(type, this.deps.store.webhooks.subscribers(accountId, type));
    }
    return fanOut;
  }

  private item(accountId: string, input: PublishInput, fanOut: FanOut, now: number): PublishItem {
    const event: EventRecord = {
      id: input.id ?? newId("evt", now),
      account_id: accountId,
      type: input.type,
      created_at: now,
      data: input.data,
    };
    const due = now + (this.deps.config.retrySchedule[0] ?? 0);
    const deliveries = (fanOut.get(input.type) ?? []).map(
      (webhook): DeliveryRecord => ({
        id: newId("dlv", now),
        account_id: accountId,
        event_id: event.id,
        event_type: event.type,
        webhook_id: webhook.id,
        status: "pending",
        attempts: 0,
        next_attempt_at: due,
        created_at: now,
        updated_at: now,
        last_attempt_at: null,
        last_status_code: null,
        last_error: null,
      }),
    );
    return { event, deliveries, generatedId: input.id === undefined };
  }

  /**
   * One atomic write, awaited until durable; then the engine schedules its pending deliveries. Their
   * records go to the engine in the commit's own turn, before its reads of the store can find them:
   * handed over after the flush, a record could be older than an attempt the engine had made meanwhile.
   */
  private async write(items: PublishItem[], now: number): Promise<PublishResult[]> {
    const results = await this.deps.store.events.publish(items);
    const { due, events, pending, created } = this.newWork(results, now);
    if (due.length > 0) this.deps.delivery.remember(events, pending);
    await this.deps.store.flushed();
    if (due.length > 0) this.deps.delivery.enqueue(due);
    if (created > 0) this.deps.metrics.eventsPublished.inc(undefined, created);
    return results;
  }

  /** The pending deliveries a write created, their due entries and events. */
  private newWork(results: PublishResult[], now: number) {
    const due: DueEntry[] = [];
    const pending: DeliveryRecord[] = [];
    // The events go along, so that their first attempts need not read them back from the store.
    const events: EventRecord[] = [];
    let created = 0;
    for (const r of results) {
      if (!r.created) continue;
      created++;
      const before = pending.length;
      for (const d of r.deliveries) {
        if (d.status !== "pending") continue;
        pending.push(d);
        due.push({ delivery_id: d.id, due: d.next_attempt_at ?? now });
      }
      if (pending.length > before) events.push(r.event);
    }
    return { due, events, pending, created };
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
