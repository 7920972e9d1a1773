// Publishing events (single or batch, validated all or none, written in bounded chunks) with fan-out
// to subscribed webhooks, and reading them back with the state of their deliveries.

import type { Config } from "../config/config";
import type { Metrics } from "../observability/metrics";
import type { DeliveryRecord, EventRecord, Page, PageQuery, WebhookRecord } from "../storage/records";
import type { Lease, PublishItem, PublishResult, Store } from "../storage/store";
import { channelIssues, EVENT_CHANNELS_MAX, receivesChannels, storedChannels } from "./channels";
import type { DeliveryPort } from "./delivery-port";
import { DomainError, type FieldIssue } from "./errors";
import type { CatalogSource } from "./event-catalog";
import { idempotencyConflict, idempotencyIssue } from "./idempotency";
import { newId } from "./ids";
import { LimitExceededError } from "./limits";
import { chunkRanges, PUBLISH_CHUNK_RECORDS } from "./publish-chunks";

export interface PublishInput {
  type: string;
  data: unknown;
  /** The publisher's idempotency key within the account; a fresh evt_ id when absent. */
  id?: string;
  /** At most EVENT_CHANNELS_MAX (./channels.ts); only webhooks without channels or sharing one get it. */
  channels?: string[];
}

export interface PublishOutcome {
  event: EventRecord;
  /** True when the id was already stored: the stored event is answered and nothing is written. */
  replayed: boolean;
  /** Deliveries created by this call (none on replay). */
  deliveries: DeliveryRecord[];
}

/** What a replay created: the event's new deliveries, pending and due now. */
export interface ReplayOutcome {
  event: EventRecord;
  deliveries: DeliveryRecord[];
}

export interface EventsServiceDeps {
  store: Store;
  /** The types events may have: the store's merged catalog, or the operational one. */
  catalog: CatalogSource;
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
   * never holds the write transaction or the event loop for long. Each write leases its first
   * attempts to this replica's engine (as many as it has room for), which gets them once the write
   * is on disk: they need no poll. When this resolves, every event is durable.
   *
   * A failure midway (disk full) rejects with the earlier writes kept, their deliveries under way:
   * publishing the same batch again with the same event ids is safe, since stored ids replay.
   *
   * An id already stored (or used earlier in the batch) with a different type or data is refused
   * before anything is written (DomainError idempotency_conflict naming `<prefix>/<i>/type` or
   * `/data`). A conflicting publish racing this one past that check is caught when its write answers
   * the stored event: then the chunks written before stay, as for any failure midway.
   */
  async publish(accountId: string, inputs: PublishInput[], fieldPrefix?: string): Promise<PublishOutcome[]> {
    await this.assertValid(inputs, fieldPrefix);
    await this.assertNoIdConflict(accountId, inputs, fieldPrefix);
    const fanOut = await this.fanOut(accountId, inputs);
    const weights = inputs.map((input) => 1 + targetsOf(fanOut, input.type, input.channels).length);
    const deliveries = weights.reduce((sum, w) => sum + w - 1, 0);
    const max = this.deps.config.deliveriesPerPublishMax;
    if (deliveries > max) throw LimitExceededError.deliveriesPerPublish(max, deliveries);

    const now = this.deps.now();
    const outcomes: PublishOutcome[] = [];
    for (const [start, end] of chunkRanges(weights, PUBLISH_CHUNK_RECORDS)) {
      const items = inputs.slice(start, end).map((input) => this.item(accountId, input, fanOut, now));
      const results = await this.write(items);
      assertReplaysMatch(results, inputs, start, fieldPrefix);
      for (const r of results) {
        outcomes.push({ event: r.event, replayed: !r.created, deliveries: r.created ? r.deliveries : [] });
      }
    }
    return outcomes;
  }

  private async assertValid(inputs: PublishInput[], fieldPrefix: string | undefined): Promise<void> {
    const catalog = await this.deps.catalog.current();
    const issues: FieldIssue[] = [];
    inputs.forEach((input, i) => {
      const base = fieldBase(fieldPrefix, i);
      if (!catalog.has(input.type)) {
        issues.push({ field: `${base}/type`, reason: catalog.refusal(input.type) });
        return;
      }
      for (const issue of catalog.validate(input.type, input.data)) {
        issues.push({ field: `${base}${issue.field}`, reason: issue.reason });
      }
      if (input.channels !== undefined)
        issues.push(...channelIssues(input.channels, `${base}/channels`, EVENT_CHANNELS_MAX));
    });
    if (issues.length > 0) throw DomainError.invalid("the event is not valid", issues.slice(0, 100));
  }

  /**
   * Refuses ids reused with another type or data before a batch writes anything: against the
   * stored events, and within the batch against the id's first use (which the store keeps).
   */
  private async assertNoIdConflict(
    accountId: string,
    inputs: PublishInput[],
    fieldPrefix: string | undefined,
  ): Promise<void> {
    // One event: the store's publish writes nothing for a stored id and answers the stored event,
    // which assertReplaysMatch then compares; reading it first would be the same read twice.
    if (inputs.length === 1) return;
    const first = new Map<string, PublishInput>();
    for (const input of inputs)
      if (input.id !== undefined && !first.has(input.id)) first.set(input.id, input);
    if (first.size === 0) return;
    const ids = [...first.keys()];
    const stored = await Promise.all(ids.map((id) => this.deps.store.events.get(accountId, id)));
    const earlier = new Map<string, { type: string; data: unknown }>(first);
    ids.forEach((id, i) => {
      const event = stored[i];
      if (event) earlier.set(id, event);
    });
    const issues: FieldIssue[] = [];
    inputs.forEach((input, i) => {
      const before = input.id === undefined ? undefined : earlier.get(input.id);
      const issue = before && idempotencyIssue(before, input, fieldBase(fieldPrefix, i));
      if (issue) issues.push(issue);
    });
    if (issues.length > 0) throw idempotencyConflict(issues);
  }

  /** Chosen once for the whole request: every event of a batch fans out to the same webhooks. */
  private async fanOut(accountId: string, inputs: PublishInput[]): Promise<FanOut> {
    const types = [...new Set(inputs.map((input) => input.type))];
    const { webhooks } = this.deps.store;
    const found = await Promise.all(types.map((type) => webhooks.subscribers(accountId, type)));
    return new Map(types.map((type, i) => [type, found[i] ?? []]));
  }

  private item(accountId: string, input: PublishInput, fanOut: FanOut, now: number): PublishItem {
    const event: EventRecord = {
      id: input.id ?? newId("evt", now),
      account_id: accountId,
      type: input.type,
      created_at: now,
      data: input.data,
    };
    const channels = storedChannels(input.channels);
    if (channels) event.channels = channels;
    const due = now + (this.deps.config.retrySchedule[0] ?? 0);
    const deliveries = targetsOf(fanOut, input.type, channels).map((webhook) =>
      newDelivery(event, webhook.id, due, now),
    );
    return { event, deliveries, generatedId: input.id === undefined };
  }

  /**
   * One atomic write that also leases its first attempts to this replica, awaited until durable;
   * then the engine gets the leases (and their events, so that it need not read them back). A lease
   * the engine never gets (the flush failed) is given back at once.
   */
  private async write(items: PublishItem[]): Promise<PublishResult[]> {
    const { store, delivery, metrics } = this.deps;
    const lease = delivery.publishLease();
    const askedAt = this.deps.now();
    const results = await store.events.publish(items, lease ? { lease } : undefined);
    const leases: Lease[] = [];
    const events: EventRecord[] = [];
    let created = 0;
    for (const r of results) {
      if (r.created) created++;
      if (r.leases.length === 0) continue;
      leases.push(...r.leases);
      events.push(r.event);
    }
    await this.handOver(leases, askedAt, events);
    if (created > 0) metrics.eventsPublished.inc(undefined, created);
    return results;
  }

  /**
   * Waits until the write is durable, then gives the engine the leases it took (with their events,
   * so that it need not read them back). A lease the engine never gets (the flush failed) is given
   * back at once.
   */
  private async handOver(leases: Lease[], askedAt: number, events: EventRecord[]): Promise<void> {
    const { store, delivery } = this.deps;
    try {
      await store.flushed();
    } catch (err) {
      if (leases.length > 0) delivery.giveBack(leases);
      throw err;
    }
    if (leases.length > 0) delivery.enqueue({ leases, askedAt }, events);
  }

  async get(accountId: string, id: string): Promise<{ event: EventRecord; deliveries: DeliveryRecord[] }> {
    const event = await this.deps.store.events.get(accountId, id);
    if (!event) throw DomainError.notFound("event");
    return { event, deliveries: await this.deps.store.deliveries.listForEvent(accountId, id) };
  }

  /**
   * Sends a stored event again as new deliveries, due now: to `webhookId` (one of the account's
   * webhooks, enabled; its subscriptions, types and channels, do not matter), or without it to every
   * enabled webhook of the account subscribed to the event's type now and taking its channels, as a
   * publish would choose them (none: an empty outcome). The event's earlier
   * deliveries are untouched. At most deliveriesPerPublishMax deliveries, as for a publish. Answers
   * once the new deliveries are durable and the engine has been told of them; a webhook disabled or
   * deleted before the write commits gets none (and a named one makes the call fail).
   */
  async replay(accountId: string, eventId: string, webhookId?: string): Promise<ReplayOutcome> {
    const { store } = this.deps;
    const event = await store.events.get(accountId, eventId);
    if (!event) throw DomainError.notFound("event");
    const targets = webhookId
      ? [await this.replayTarget(accountId, webhookId)]
      : (await store.webhooks.subscribers(accountId, event.type)).filter((w) =>
          receivesChannels(w.channels, event.channels),
        );
    const max = this.deps.config.deliveriesPerPublishMax;
    if (targets.length > max) throw LimitExceededError.deliveriesPerPublish(max, targets.length);
    if (targets.length === 0) return { event, deliveries: [] };

    const { delivery } = this.deps;
    const lease = delivery.publishLease();
    const now = this.deps.now();
    const wanted = targets.map((webhook) => newDelivery(event, webhook.id, now, now));
    const result = await store.events.addDeliveries(
      accountId,
      eventId,
      wanted,
      lease ? { lease } : undefined,
    );
    if (result.kind === "missing") throw DomainError.notFound("event");
    const refused = result.refused[0];
    // A named webhook is the only target: refused, nothing was stored.
    if (webhookId && refused) {
      throw refused.reason === "deleted" ? DomainError.notFound("webhook") : webhookDisabled();
    }
    await this.handOver(result.leases, now, [event]);
    // Those the engine had no room to lease: it looks for them soon.
    const leased = new Set(result.leases.map((l) => l.delivery.id));
    for (const d of result.deliveries) if (!leased.has(d.id)) delivery.retried(d.id, now);
    return { event, deliveries: result.deliveries };
  }

  /** The named webhook, when it is the account's and enabled. */
  private async replayTarget(accountId: string, webhookId: string): Promise<WebhookRecord> {
    const webhook = await this.deps.store.webhooks.get(accountId, webhookId);
    if (!webhook) throw DomainError.notFound("webhook");
    if (!webhook.enabled) throw webhookDisabled();
    return webhook;
  }

  list(accountId: string, page: PageQuery): Promise<Page<EventRecord>> {
    return this.deps.store.events.list(accountId, page);
  }
}

/** Where the fields of the i-th input are named: under `<prefix>/<i>` in a batch, at the root alone. */
function fieldBase(fieldPrefix: string | undefined, i: number): string {
  return fieldPrefix === undefined ? "" : `${fieldPrefix}/${i}`;
}

/** A write that answered a stored event whose type or data differs from the input (a racing publish). */
function assertReplaysMatch(
  results: PublishResult[],
  inputs: PublishInput[],
  start: number,
  fieldPrefix: string | undefined,
): void {
  results.forEach((r, k) => {
    const input = inputs[start + k];
    if (r.created || !input) return;
    const issue = idempotencyIssue(r.event, input, fieldBase(fieldPrefix, start + k));
    if (issue) throw idempotencyConflict([issue]);
  });
}

/** The webhooks an event of `type` carrying `channels` goes to (./channels.ts says which). */
function targetsOf(
  fanOut: FanOut,
  type: string,
  channels: readonly string[] | undefined,
): readonly WebhookRecord[] {
  const subscribers = fanOut.get(type) ?? [];
  // The common case, no webhook with channels: the list as the store gave it, nothing allocated.
  if (subscribers.every((w) => w.channels === undefined)) return subscribers;
  return subscribers.filter((w) => receivesChannels(w.channels, channels));
}

/** A new pending delivery of `event` to the webhook, due at `due`. */
function newDelivery(event: EventRecord, webhookId: string, due: number, now: number): DeliveryRecord {
  return {
    id: newId("dlv", now),
    account_id: event.account_id,
    event_id: event.id,
    event_type: event.type,
    webhook_id: webhookId,
    status: "pending",
    attempts: 0,
    next_attempt_at: due,
    created_at: now,
    updated_at: now,
    last_attempt_at: null,
    last_status_code: null,
    last_error: null,
  };
}

const webhookDisabled = () =>
  DomainError.conflict(
    "the webhook is disabled: enable it (PUT /v1/webhooks/{id} with enabled: true) to replay events to it",
  );
