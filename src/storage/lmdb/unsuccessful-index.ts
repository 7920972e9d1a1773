// The index of deliveries that ended failed or cancelled, by webhook and creation time:
// [webhookId, created_at, deliveryId] -> status code (record-codecs' STATUS_CODES). Recovery
// (./recovery.ts) reads a webhook's window of it as one key range; nothing else scans it.
//
// Invariant: a delivery has exactly one entry while its status is failed or cancelled, and none
// otherwise. Every write that moves a delivery into or out of those states (an attempt's outcome,
// a manual retry, cancellation, retention, recovery, the schema 4 migration) calls `noteStatus`
// in the same transaction. In normal operation entries are rare (a delivery fails only after its
// whole schedule), so the index costs nearly nothing per event.

import type { Key } from "lmdb";
import type { DeliveryRecord, DeliveryStatus } from "../records";
import type { Databases } from "./lmdb-databases";
import { STATUS_CODES } from "./record-codecs";

export function isUnsuccessful(status: DeliveryStatus): boolean {
  return status === "failed" || status === "cancelled";
}

/** True for the status code of failed or cancelled. */
export function isUnsuccessfulCode(code: number): boolean {
  return code === STATUS_CODES.failed || code === STATUS_CODES.cancelled;
}

export function unsuccessfulKey(webhookId: string, createdAt: number, deliveryId: string): Key[] {
  return [webhookId, createdAt, deliveryId];
}

/**
 * Keeps the index exact for a delivery that was `before` and is now `after` (undefined: it did not
 * exist, or no longer does). O(1): at most one removal and one put, none when neither state is
 * failed or cancelled (the common case of an attempt's outcome). Runs inside a write transaction.
 */
export function noteStatus(
  dbs: Databases,
  before: DeliveryRecord | undefined,
  after: DeliveryRecord | undefined,
): void {
  const was = before !== undefined && isUnsuccessful(before.status);
  const is = after !== undefined && isUnsuccessful(after.status);
  if (!was && !is) return;
  if (was && before) dbs.unsuccessful.removeSync(keyOf(before));
  if (is && after) dbs.unsuccessful.putSync(keyOf(after), STATUS_CODES[after.status]);
}

function keyOf(delivery: DeliveryRecord): Key[] {
  return unsuccessfulKey(delivery.webhook_id, delivery.created_at, delivery.id);
}

/** The key range of a webhook's entries created in [since, until). */
export function windowRange(webhookId: string, since: number, until: number): { start: Key[]; end: Key[] } {
  return { start: [webhookId, since], end: [webhookId, until] };
}
