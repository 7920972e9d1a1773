// GET /v1/deliveries?webhook_id=…&status=pending on LMDB from the pending-by-webhook index
// ([webhookId, deliveryId]): a webhook's pending deliveries are few while its receiver keeps up,
// and then reading them all is far cheaper than walking the account's events to find them. The
// index is not in listing order, so this path reads every entry (each delivery and its event, for
// the event's time and the delivery's index in it), sorts, and pages by the same position as the
// event walk (./delivery-listing.ts): the two paths may follow each other page to page.
//
// Guarantees: taken only when the webhook has at most PENDING_SCAN_MAX pending deliveries (counted
// from the index keys alone, at most that many + 1 read), so a page costs at most about three reads
// per pending delivery (measured: about 7 ms for 260 pending over a million deliveries, so about
// 25 ms at the bound); with more (a receiver down for hours) the event walk answers instead.

import { pageLimit } from "../cursor";
import type { DeliveryFilter, DeliveryRecord, PageQuery } from "../records";
import { accountKeyPart } from "./account-numbers";
import {
  decodePosition,
  deliveryMatches,
  encodePosition,
  type ListingPosition,
  type ListingResult,
} from "./delivery-listing";
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

/** The webhook's pending delivery ids, or undefined when there are more than PENDING_SCAN_MAX. */
function pendingIds(dbs: Databases, webhookId: string): string[] | undefined {
  const ids: string[] = [];
  for (const key of dbs.pendingByWebhook.getKeys({
    start: [webhookId],
    end: [webhookId, TOP],
    limit: PENDING_SCAN_MAX + 1,
  })) {
    ids.push((key as [string, string])[1]);
  }
  return ids.length > PENDING_SCAN_MAX ? undefined : ids;
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
 * One page of the account's pending deliveries to `filter.webhook_id` from the pending index, or
 * undefined when the webhook has too many for this path (or the filter is not this path's).
 */
export function listPendingOfWebhook(
  dbs: Databases,
  accountId: string,
  filter: DeliveryFilter,
  page: PageQuery,
): ListingResult | undefined {
  if (filter.webhook_id === undefined || filter.status !== "pending") return undefined;
  const limit = pageLimit(page.limit);
  const after = page.cursor ? decodePosition(accountId, page.cursor) : null;
  const ids = pendingIds(dbs, filter.webhook_id);
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
