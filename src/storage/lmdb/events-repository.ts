// Events and their fan-out. Publishing writes each new event (with the ids of its deliveries; kept
// in time order, ./event-locations.ts), its deliveries and their due-time queue entries in one
// transaction (shared with concurrent publishes by the write batcher). The idempotency check runs
// inside that transaction, so two publishes of one id can never both create it, whether they come in
// one batch or in concurrent requests.

import { decodeCursor, encodeCursor, pageLimit, pageOf } from "../cursor";
import type { DeliveryRecord, EventRecord, Page, PageQuery, WebhookRecord } from "../records";
import {
  type AddDeliveriesResult,
  type EventRepository,
  isNewDeliveryOf,
  type Lease,
  type PublishItem,
  type PublishOptions,
  type PublishResult,
  type RefusedDelivery,
} from "../store";
import { accountKeyPart } from "./account-numbers";
import { acceptsDeliveries } from "./cancellation";
import { leaseEnd, leaseOf } from "./due-work";
import { TOP } from "./key-ranges";
import type { LeaseTable } from "./leases";
import { type Databases, MARK } from "./lmdb-databases";
import type { ReadCaches } from "./read-cache";
import {
  eventAt,
  NEW_DELIVERY_SPARE_BYTES,
  readDelivery,
  readEvent,
  readStoredEvent,
  writeDelivery,
  writeEvent,
} from "./stored-records";
import { settled } from "./sync-read";
import { noteStatus } from "./unsuccessful-index";
import type { WriteBatcher } from "./write-batcher";

/** The stored deliveries of an event, oldest first. */
export function deliveriesOfEvent(dbs: Databases, accountId: string, eventId: string): DeliveryRecord[] {
  const stored = readStoredEvent(dbs, accountId, eventId);
  if (!stored) return [];
  const out: DeliveryRecord[] = [];
  for (const id of stored.deliveries) {
    // Retention may have removed some already; the event goes last.
    const delivery = readDelivery(dbs, id);
    if (delivery) out.push(delivery);
  }
  return out;
}

/** Writes a new delivery and, while pending, its queue and webhook entries. */
export function putNewDelivery(dbs: Databases, delivery: DeliveryRecord): void {
  const pending = delivery.status === "pending";
  writeDelivery(dbs, { delivery, attempts: [] }, pending ? NEW_DELIVERY_SPARE_BYTES : 0);
  noteStatus(dbs, undefined, delivery);
  if (pending && delivery.next_attempt_at !== null) {
    dbs.queue.putSync([delivery.next_attempt_at, delivery.id], MARK);
    dbs.pendingByWebhook.putSync([delivery.webhook_id, delivery.id], delivery.next_attempt_at);
  }
}

/** What one publish call may still lease (PublishOptions.lease), shared by its items. */
interface LeaseBudget {
  table: LeaseTable;
  owner: string;
  leaseMs: number;
  left: number;
  now: number;
}

/** Leases (staged with the write) the new pending deliveries due by now, while the budget lasts. */
function leaseNew(deliveries: DeliveryRecord[], budget: LeaseBudget | undefined): Lease[] {
  const leases: Lease[] = [];
  if (!budget) return leases;
  for (const delivery of deliveries) {
    if (budget.left <= 0) break;
    const due = delivery.next_attempt_at;
    if (delivery.status !== "pending" || due === null || due > budget.now) continue;
    const held = budget.table.stageGrant(
      delivery.id,
      budget.owner,
      leaseEnd(budget.now, due, budget.leaseMs),
    );
    leases.push(leaseOf(delivery, held, budget.now));
    budget.left--;
  }
  return leases;
}

function publishOne(
  dbs: Databases,
  item: PublishItem,
  caches: ReadCaches,
  budget: LeaseBudget | undefined,
): PublishResult {
  const { event } = item;
  const stored = item.generatedId ? undefined : readEvent(dbs, event.account_id, event.id);
  if (stored) {
    const deliveries = deliveriesOfEvent(dbs, event.account_id, event.id);
    return { event: stored, created: false, deliveries, leases: [] };
  }
  const deliveries = item.deliveries.map((delivery) => {
    // A webhook deleted or disabled after the caller chose the subscribers but before this commit
    // gets its delivery stored already cancelled, exactly as if the change had come just after.
    const live =
      delivery.status !== "pending" ||
      acceptsDeliveries(dbs, delivery.account_id, delivery.webhook_id, caches);
    const record: DeliveryRecord = live
      ? delivery
      : { ...delivery, status: "cancelled", next_attempt_at: null };
    putNewDelivery(dbs, record);
    return record;
  });
  writeEvent(dbs, { event, deliveries: deliveries.map((d) => d.id) });
  return { event, created: true, deliveries, leases: leaseNew(deliveries, budget) };
}

/** Why no delivery may be pending to this webhook now, or undefined when it exists and is enabled. */
function refusal(
  dbs: Databases,
  accountId: string,
  webhookId: string,
  caches: ReadCaches,
): RefusedDelivery["reason"] | undefined {
  const load = () => dbs.webhooks.get([accountId, webhookId]) as WebhookRecord | undefined;
  const webhook = caches.webhooks.get(webhookId, load);
  if (webhook?.account_id !== accountId) return "deleted";
  return webhook.enabled ? undefined : "disabled";
}

/** addDeliveries' write job: the event and the webhooks are read in the same transaction. */
function addToEvent(
  dbs: Databases,
  caches: ReadCaches,
  accountId: string,
  eventId: string,
  deliveries: DeliveryRecord[],
  budget: LeaseBudget | undefined,
): AddDeliveriesResult {
  const stored = readStoredEvent(dbs, accountId, eventId);
  if (!stored) return { kind: "missing" };
  const added: DeliveryRecord[] = [];
  const refused: RefusedDelivery[] = [];
  for (const delivery of deliveries) {
    const reason = refusal(dbs, accountId, delivery.webhook_id, caches);
    if (reason) {
      refused.push({ delivery_id: delivery.id, webhook_id: delivery.webhook_id, reason });
      continue;
    }
    putNewDelivery(dbs, delivery);
    added.push(delivery);
  }
  if (added.length > 0) {
    writeEvent(dbs, { event: stored.event, deliveries: [...stored.deliveries, ...added.map((d) => d.id)] });
  }
  return { kind: "added", deliveries: added, refused, leases: leaseNew(added, budget) };
}

/** Newest first by creation time, then id. */
function listEvents(dbs: Databases, accountId: string, page: PageQuery): Page<EventRecord> {
  const limit = pageLimit(page.limit);
  const after = page.cursor ? decodeCursor(page.cursor, "evt", [accountId], ["number", "string"]) : [TOP];
  const n = dbs.accountNumbers.numberOf(accountId);
  if (n === undefined) return { data: [], next_cursor: null };
  const account = accountKeyPart(n);
  const start = [account, ...after];
  const data: EventRecord[] = [];
  const range = dbs.events.getRange({
    start,
    end: [account],
    reverse: true,
    exclusiveStart: true,
    limit: limit + 1,
  });
  for (const { key, value } of range) data.push(eventAt(dbs, key, value).event);
  return pageOf(data, limit, (last) => encodeCursor("evt", [accountId], [last.created_at, last.id]));
}

export function eventsRepository(
  dbs: Databases,
  writer: WriteBatcher,
  caches: ReadCaches,
  leases: LeaseTable,
  clock: () => number,
): EventRepository {
  /** Runs the write job with a lease budget when `options` asks for leases, settling them after. */
  function runLeasing<T>(options: PublishOptions | undefined, job: (budget?: LeaseBudget) => T): Promise<T> {
    const lease = options?.lease;
    if (!lease) return writer.run(() => job(undefined));
    return writer.run(
      // The budget is made afresh each time the job runs (the batcher may replay it).
      () => job({ table: leases, ...lease, left: lease.max, now: clock() }),
      (committed) => leases.settle(committed, clock()),
    );
  }

  return {
    publish(items: PublishItem[], options?: PublishOptions): Promise<PublishResult[]> {
      if (items.length === 0) return Promise.resolve([]);
      return runLeasing(options, (budget) => items.map((item) => publishOne(dbs, item, caches, budget)));
    },

    get: (accountId, id) => settled(() => readEvent(dbs, accountId, id)),

    list: (accountId, page) => settled(() => listEvents(dbs, accountId, page)),

    addDeliveries(accountId, eventId, deliveries, options) {
      const foreign = deliveries.find((d) => !isNewDeliveryOf(d, accountId, eventId));
      if (foreign) {
        return Promise.reject(new Error(`addDeliveries: ${foreign.id} is not a new delivery of ${eventId}`));
      }
      return runLeasing(options, (budget) => addToEvent(dbs, caches, accountId, eventId, deliveries, budget));
    },
  };
}
