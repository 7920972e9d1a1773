// What the cost scripts' fills have in common (scripts/listing-cost.ts, ./dashboard-fill.ts): a seeded
// random sequence, so that runs fill the same shapes; the mix of event types (message.action 2% of
// events) and of finished statuses (2% failed, 0.5% cancelled); and the delivery record of an event.

import { newId } from "../../src/domain/ids";
import type { DeliveryRecord, DeliveryStatus, EventRecord } from "../../src/storage/records";

/** The built-in event types and the share of events each takes. */
const TYPES: Array<[string, number]> = [
  ["message.delivered", 0.5],
  ["message.read", 0.35],
  ["message.failed", 0.13],
  ["message.action", 0.02],
];

/** A deterministic pseudo-random sequence (mulberry32) in [0, 1). */
export function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The event type a draw `r` in [0, 1) picks, in the proportions of TYPES. */
export function pickType(r: number): string {
  let acc = 0;
  for (const [type, share] of TYPES) {
    acc += share;
    if (r < acc) return type;
  }
  return "message.delivered";
}

/** The status a finished delivery ends in for a draw `r` in [0, 1): 2% failed, 0.5% cancelled. */
export function finishedStatus(r: number): DeliveryStatus {
  if (r < 0.02) return "failed";
  if (r < 0.025) return "cancelled";
  return "succeeded";
}

/** What a fill says happened before: the attempts a failed delivery made, when a pending one is due. */
export interface DeliveryTerms {
  failedAttempts: number;
  pendingDueAt: (createdAt: number) => number;
}

/**
 * A delivery of `event` to `webhookId`, created with the event: finished as `status` (attempted once at
 * creation, or `failedAttempts` times when failed), or pending and never attempted.
 */
export function deliveryOf(
  event: EventRecord,
  webhookId: string,
  status: DeliveryStatus,
  terms: DeliveryTerms,
): DeliveryRecord {
  const at = event.created_at;
  const done = status !== "pending";
  return {
    id: newId("dlv", at),
    account_id: event.account_id,
    event_id: event.id,
    event_type: event.type,
    webhook_id: webhookId,
    status,
    attempts: done ? (status === "failed" ? terms.failedAttempts : 1) : 0,
    next_attempt_at: done ? null : terms.pendingDueAt(at),
    created_at: at,
    updated_at: at,
    last_attempt_at: done ? at : null,
    last_status_code: status === "succeeded" ? 200 : status === "failed" ? 503 : null,
    last_error: status === "failed" ? "HTTP 503" : null,
  };
}
