// Events and their fan-out. Publishing writes each new event (with the ids of its deliveries), its
// time index entry, its deliveries and their due-time queue entries in one transaction (shared with
// concurrent publishes by the write batcher). The idempotency check runs inside that transaction, so two publishes of one
// id can never both create it, whether they come in one batch or in concurrent requests.

import type { Key } from "lmdb";
import type { DeliveryRecord, EventRecord, Page, PageQuery } from "../records";
import type { EventRepository, PublishItem, PublishResult } from "../store";
import { acceptsDeliveries } from "./cancellation";
import { decodeCursor, encodeCursor, pageLimit, pageOf } from "../cursor";
import { TOP } from "./key-ranges";
import { type Databases, MARK, type StoredEvent } from "./lmdb-databases";
import type { ReadCaches } from "./read-cache";
import { readDelivery, readEvent, readStoredEvent, writeDelivery } from "./stored-records";
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
  writeDelivery(dbs, { delivery, attempts: [] });
  if (delivery.status === "pending" && delivery.next_attempt_at !== null) {
    dbs.queue.putSync([delivery.next_attempt_at, delivery.id], MARK);
    dbs.pendingByWebhook.putSync([delivery.webhook_id, delivery.id], delivery.next_attempt_at);
  }
}

function publishOne(dbs: Databases, item: PublishItem, caches: ReadCaches): PublishResult {
  const { event } = item;
  const stored = item.generatedId ? undefined : readEvent(dbs, event.account_id, event.id);
  if (stored)
    return { event: stored, created: false, deliveries: deliveriesOfEvent(dbs, event.account_id, event.id) };
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
  const value: StoredEvent = { event, deliveries: deliveries.map((d) => d.id) };
  dbs.events.putSync([event.account_id, event.id], value);
  dbs.eventIndex.putSync([event.account_id, event.created_at, event.id], MARK);
  return { event, created: true, deliveries };
}

export function eventsRepository(dbs: Databases, writer: WriteBatcher, caches: ReadCaches): EventRepository {
  return {
    publish(items: PublishItem[]): Promise<PublishResult[]> {
      if (items.length === 0) return Promise.resolve([]);
      return writer.run(() => items.map((item) => publishOne(dbs, item, caches)));
    },

    get: (accountId, id) => readEvent(dbs, accountId, id),

    list(accountId: string, page: PageQuery): Page<EventRecord> {
      const limit = pageLimit(page.limit);
      const start = page.cursor
        ? [accountId, ...decodeCursor(page.cursor, "evt", [accountId], ["number", "string"])]
        : [accountId, TOP];
      const data: EventRecord[] = [];
      const range = dbs.eventIndex.getRange({ start, end: [accountId], reverse: true, exclusiveStart: true });
      for (const { key } of range) {
        const event = readEvent(dbs, accountId, (key as Key[])[2] as string);
        if (event) data.push(event);
        if (data.length > limit) break;
      }
      return pageOf(data, limit, (last) => encodeCursor("evt", [accountId], [last.created_at, last.id]));
    },
  };
}
