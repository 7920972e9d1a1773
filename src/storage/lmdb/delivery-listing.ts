// GET /v1/deliveries on LMDB, answered from the account's events index ([account, created_at,
// eventId], ./event-locations.ts) with no index of its own: an event's value carries the ids of its
// deliveries in the order they were created (replays appended), so walking the account's events
// newest first and each event's ids backwards gives the listing's order. `since`/`until` bound the
// walked range; `event_id` goes straight to its event; `event_type` is checked on the event before
// any of its deliveries is read; `webhook_id` and `status` are checked on each delivery read. With
// `webhook_id` and `status: pending`, a webhook with few pending deliveries is answered from the
// pending-by-webhook index instead (./pending-listing.ts).
//
// Guarantees: one page examines at most EXAMINED_MAX entries (events walked plus deliveries read),
// so a selective filter over a long history costs a bounded amount per page: such a page may hold
// fewer than `limit` rows, even none, and still carries a cursor. The cursor is a position
// (event created_at, event id, delivery index): the next page continues with that event's
// deliveries before the index, then with older events, so pages never repeat or skip a delivery,
// whatever was published or replayed in between (newer ones are not shown by older cursors).

import type { Key } from "lmdb";
import { pageLimit } from "../cursor";
import { decodePosition, encodePosition, type ListingPosition } from "../listing-position";
import type { DeliveryFilter, DeliveryRecord, Page, PageQuery } from "../records";
import { accountKeyPart } from "./account-numbers";
import { findEvent } from "./event-locations";
import { TOP } from "./key-ranges";
import type { Databases } from "./lmdb-databases";
import type { StoredEvent } from "./record-codecs";
import { eventAt, readDelivery } from "./stored-records";

/**
 * Entries (events walked plus deliveries read) one page examines at most. A delivery read is a
 * random look-up (about 3 us with its decoding, measured over a million deliveries by
 * scripts/listing-cost.ts) made synchronously on the thread that also runs the delivery engine:
 * 4,000 keep the longest page near 13 ms.
 */
export const EXAMINED_MAX = 4_000;

/** The listing's cursors (scripts/listing-cost.ts makes them), as on PostgreSQL. */
export { encodePosition };

/** A page and what it cost, for measurements (scripts/listing-cost.ts). */
export interface ListingResult {
  page: Page<DeliveryRecord>;
  examined: number;
}

export function deliveryMatches(delivery: DeliveryRecord, filter: DeliveryFilter): boolean {
  return (
    (filter.webhook_id === undefined || delivery.webhook_id === filter.webhook_id) &&
    (filter.status === undefined || delivery.status === filter.status) &&
    (filter.event_type === undefined || delivery.event_type === filter.event_type) &&
    (filter.event_id === undefined || delivery.event_id === filter.event_id)
  );
}

/** Whether the event passes the filters that bound events (time, type, id). */
function eventMatches(event: StoredEvent["event"], filter: DeliveryFilter): boolean {
  return (
    (filter.since === undefined || event.created_at >= filter.since) &&
    (filter.until === undefined || event.created_at < filter.until) &&
    (filter.event_type === undefined || event.type === filter.event_type) &&
    (filter.event_id === undefined || event.id === filter.event_id)
  );
}

/** Whether position `p` comes before (is newer than) the event (createdAt, id) in listing order. */
function isAbove(p: ListingPosition, createdAt: number, id: string): boolean {
  return p.createdAt > createdAt || (p.createdAt === createdAt && p.eventId > id);
}

/** One page's walk: collects rows, counts what it examines, remembers where it stopped. */
class PageWalk {
  readonly data: DeliveryRecord[] = [];
  examined = 0;
  stoppedAt: ListingPosition | null = null;
  more = false;

  constructor(
    private readonly dbs: Databases,
    private readonly filter: DeliveryFilter,
    private readonly limit: number,
  ) {}

  /** False once the page is full or its budget spent: the caller stops, with a cursor. */
  private room(): boolean {
    if (this.data.length < this.limit && this.examined < EXAMINED_MAX) return true;
    this.more = true;
    return false;
  }

  /** Walks one event from delivery index `from` (exclusive) down; false when the page stopped. */
  event(stored: StoredEvent, from: number): boolean {
    if (!this.room()) return false;
    const { event, deliveries } = stored;
    this.examined++;
    if (!eventMatches(event, this.filter)) {
      this.stoppedAt = { createdAt: event.created_at, eventId: event.id, before: 0 };
      return true;
    }
    const top = Math.min(from, deliveries.length);
    this.stoppedAt = { createdAt: event.created_at, eventId: event.id, before: top };
    for (let i = top - 1; i >= 0; i--) {
      if (!this.room()) return false;
      this.examined++;
      this.stoppedAt = { createdAt: event.created_at, eventId: event.id, before: i };
      // Retention may have removed some of an event's deliveries already (the event goes last).
      const delivery = readDelivery(this.dbs, deliveries[i] as string);
      if (delivery && deliveryMatches(delivery, this.filter)) this.data.push(delivery);
    }
    return true;
  }

  result(accountId: string): ListingResult {
    const next = this.more && this.stoppedAt ? encodePosition(accountId, this.stoppedAt) : null;
    return { page: { data: this.data, next_cursor: next }, examined: this.examined };
  }
}

/** Where to start within the event at `createdAt`/`id`: below the cursor's index in its own event. */
const startIndex = (after: ListingPosition | null, createdAt: number, id: string) =>
  after && after.createdAt === createdAt && after.eventId === id ? after.before : Number.POSITIVE_INFINITY;

/** `event_id` given: that one event, if it is the account's and not before the cursor. */
function walkOneEvent(
  dbs: Databases,
  account: string,
  walk: PageWalk,
  eventId: string,
  after: ListingPosition | null,
): void {
  const found = findEvent(dbs, account, eventId);
  if (!found) return;
  const stored = eventAt(dbs, found.key, found.value);
  const { created_at, id } = stored.event;
  if (after && isAbove({ createdAt: created_at, eventId: id, before: 0 }, after.createdAt, after.eventId)) {
    return; // The cursor is already past it.
  }
  walk.event(stored, startIndex(after, created_at, id));
}

/** The account's events newest first within [since, until), from the cursor's event (inclusive). */
function walkEvents(
  dbs: Databases,
  account: string,
  walk: PageWalk,
  filter: DeliveryFilter,
  after: ListingPosition | null,
): void {
  // A bare [account, t] sorts before every event created at t: the exclusive top for `until` and
  // the inclusive bottom for `since`. Neither is a stored key, so the range's start stays inclusive
  // for the cursor's own event, whose remaining deliveries come first.
  const top: Key[] = filter.until !== undefined ? [account, filter.until] : [account, TOP];
  const fromCursor = after && (filter.until === undefined || after.createdAt < filter.until);
  const start = fromCursor && after ? [account, after.createdAt, after.eventId] : top;
  const end = filter.since !== undefined ? [account, filter.since] : [account];
  for (const { key, value } of dbs.events.getRange({ start, end, reverse: true })) {
    const stored = eventAt(dbs, key, value);
    if (!walk.event(stored, startIndex(after, stored.event.created_at, stored.event.id))) return;
  }
}

/** One page of the account's deliveries matching `filter`, by walking its events. */
export function listByEvents(
  dbs: Databases,
  accountId: string,
  filter: DeliveryFilter,
  page: PageQuery,
): ListingResult {
  const limit = pageLimit(page.limit);
  const after = page.cursor ? decodePosition(accountId, page.cursor) : null;
  const walk = new PageWalk(dbs, filter, limit);
  const n = dbs.accountNumbers.numberOf(accountId);
  if (n === undefined) return walk.result(accountId);
  const account = accountKeyPart(n);
  if (filter.event_id !== undefined) walkOneEvent(dbs, account, walk, filter.event_id, after);
  else walkEvents(dbs, account, walk, filter, after);
  return walk.result(accountId);
}
