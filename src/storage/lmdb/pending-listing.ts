// GET /v1/deliveries?status=pending on LMDB from the pending-by-webhook index ([webhookId,
// deliveryId]): pending deliveries are few while receivers keep up, and then reading them all is far
// cheaper than walking the account's events to find them. With `webhook_id` that webhook's entries
// are read; without, those of each of the account's webhooks (a pending delivery's webhook exists and
// is enabled: deleting or disabling one cancels its pending deliveries). The index is not in
// listing order, so this path reads every entry (each delivery and its event, for the event's time
// and the delivery's index in it), sorts, and pages by the same position as the event walk
// (./delivery-listing.ts): the two paths may follow each other page to page.
//
// Guarantees: taken only when those webhooks have at most PENDING_SCAN_MAX pending deliveries in all
// (counted from the index keys alone, at most that many + 1 read), so a page costs at most about
// three reads per pending delivery (measured: about 7 ms for 260 pending over a million deliveries,
// so about 25 ms at the bound), and its pages are full; with more (a receiver down for hours) the
// event walk answers instead.

import { pageLimit } from "../cursor";
import { decodePosition, encodePosition, type ListingPosition } from "../listing-position";
import type { DeliveryFilter, DeliveryRecord, PageQuery } from "../records";
import { accountKeyPart } from "./account-numbers";
import { deliveryMatches, type ListingResult } from "./delivery-listing";
import { findEvent } from "./event-locations";
import { TOP } from "./key-ranges";
import type { Databases } from "./lmdb-databases";
import { eventAt, readDelivery } from "./stored-records";

/** The most pending deliveries of one webhook this path reads for one page. */
export const PENDING_SCAN_MAX = 1_000;

interface Placed {
  delivery: DeliveryRecord;
  at: ListingPosition;
}

/** Listing order: newest event first, then the higher delivery index first. */
function newerFirst(a: ListingPosition, b: ListingPosition): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  if (a.eventId !== b.eventId) return a.eventId < b.eventId ? 1 : -1;
  return b.before - a.before;
}

/** The account's webhook ids (the index of webhooks is [accountId, webhookId]). */
function webhooksOf(dbs: Databases, accountId: string): string[] {
  const ids: string[] = [];
  for (const key of dbs.webhooks.getKeys({ start: [accountId], end: [accountId, TOP] })) {
    ids.push((key as [string, string])[1]);
  }
  return ids;
}

/** The webhooks' pending delivery ids, or undefined when there are more than PENDING_SCAN_MAX. */
function pendingIds(dbs: Databases, webhookIds: string[]): string[] | undefined {
  const ids: string[] = [];
  for (const webhookId of webhookIds) {
    for (const key of dbs.pendingByWebhook.getKeys({
      start: [webhookId],
      end: [webhookId, TOP],
      limit: PENDING_SCAN_MAX + 1 - ids.length,
    })) {
      ids.push((key as [string, string])[1]);
    }
    if (ids.length > PENDING_SCAN_MAX) return undefined;
  }
  return ids;
}

/** The delivery with its listing position, when it is the account's and its event passes `filter`. */
function place(dbs: Databases, account: string, filter: DeliveryFilter, delivery: DeliveryRecord) {
  const found = findEvent(dbs, account, delivery.event_id);
  if (!found) return undefined;
  const { event, deliveries } = eventAt(dbs, found.key, found.value);
  const inWindow =
    (filter.since === undefined || event.created_at >= filter.since) &&
    (filter.until === undefined || event.created_at < filter.until);
  if (!inWindow) return undefined;
  return {
    delivery,
    at: { createdAt: event.created_at, eventId: event.id, before: deliveries.indexOf(delivery.id) },
  };
}

/**
 * One page of the account's pending deliveries matching `filter` from the pending index, or
 * undefined when there are too many for this path (or the filter is not this path's).
 */
export function listPending(
  dbs: Databases,
  accountId: string,
  filter: DeliveryFilter,
  page: PageQuery,
): ListingResult | undefined {
  if (filter.status !== "pending") return undefined;
  const limit = pageLimit(page.limit);
  const after = page.cursor ? decodePosition(accountId, page.cursor) : null;
  const webhookIds = filter.webhook_id !== undefined ? [filter.webhook_id] : webhooksOf(dbs, accountId);
  const ids = pendingIds(dbs, webhookIds);
  if (ids === undefined) return undefined;
  const n = dbs.accountNumbers.numberOf(accountId);
  if (n === undefined) return { page: { data: [], next_cursor: null }, examined: ids.length };
  const account = accountKeyPart(n);
  const placed: Placed[] = [];
  for (const id of ids) {
    const delivery = readDelivery(dbs, id);
    if (!delivery || delivery.account_id !== accountId || !deliveryMatches(delivery, filter)) continue;
    const at = place(dbs, account, filter, delivery);
    if (at && (!after || newerFirst(after, at.at) < 0)) placed.push(at);
  }
  placed.sort((a, b) => newerFirst(a.at, b.at));
  const rows = placed.slice(0, limit);
  const last = rows[rows.length - 1];
  const next = placed.length > limit && last ? encodePosition(accountId, last.at) : null;
  return { page: { data: rows.map((p) => p.delivery), next_cursor: next }, examined: ids.length * 3 };
}
