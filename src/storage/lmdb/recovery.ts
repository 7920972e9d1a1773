// Recovery of a webhook's failed and cancelled deliveries (DeliveryRepository.countRecoverable and
// recover), read from the unsuccessful index (./unsuccessful-index.ts) as one key range per window:
// the cost is proportional to what the window holds, never to the webhook's other deliveries or to
// the store. Positions (`after`, `next`) are "<created_at>:<deliveryId>", the index's own order.

import type { Key } from "lmdb";
import type { DeliveryRecord, RecoveryWindow, WebhookRecord } from "../records";
import { formatPosition, parsePosition } from "../recovery-position";
import type { RecoverableCount, RecoverBatch } from "../store";
import { enterQueue } from "./deliveries-repository";
import type { Databases } from "./lmdb-databases";
import { readStoredDelivery, rewriteDelivery } from "./stored-records";
import { isUnsuccessful, noteStatus, unsuccessfulKey, windowRange } from "./unsuccessful-index";

function positionOf(key: Key[]): string {
  return formatPosition(key[1] as number, key[2] as string);
}

/** Where a window's range starts: at `since`, or just after `after` when that is later. */
function rangeOf(webhookId: string, window: RecoveryWindow, after: string | undefined) {
  const range = windowRange(webhookId, window.since, window.until);
  const position = after === undefined ? undefined : parsePosition(after);
  if (position === undefined || position.createdAt < window.since) return { ...range, exclusiveStart: false };
  return {
    ...range,
    start: unsuccessfulKey(webhookId, position.createdAt, position.id),
    exclusiveStart: true,
  };
}

/** Up to `limit` index keys of the window after `after`, and where the next chunk starts. */
function keysOf(
  dbs: Databases,
  webhookId: string,
  window: RecoveryWindow,
  after: string | undefined,
  limit: number,
): { keys: Key[][]; next: string | null } {
  const keys: Key[][] = [];
  for (const key of dbs.unsuccessful.getKeys({ ...rangeOf(webhookId, window, after), limit })) {
    keys.push(key as Key[]);
  }
  const last = keys[keys.length - 1];
  return { keys, next: keys.length === limit && last ? positionOf(last) : null };
}

function ownedWebhook(dbs: Databases, accountId: string, webhookId: string): WebhookRecord | undefined {
  const webhook = dbs.webhooks.get([accountId, webhookId]) as WebhookRecord | undefined;
  return webhook?.account_id === accountId ? webhook : undefined;
}

/** A read: counts the window's entries in chunks of `limit`; 0 for another account's webhook. */
export function countRecoverable(
  dbs: Databases,
  accountId: string,
  webhookId: string,
  window: RecoveryWindow,
  chunk: { after?: string; limit: number },
): RecoverableCount {
  if (!ownedWebhook(dbs, accountId, webhookId)) return { count: 0, next: null };
  // Keys only, none kept but the last: no value is read and nothing grows with the chunk.
  let count = 0;
  let last: Key[] | undefined;
  const range = { ...rangeOf(webhookId, window, chunk.after), limit: chunk.limit };
  for (const key of dbs.unsuccessful.getKeys(range)) {
    count++;
    last = key as Key[];
  }
  return { count, next: count === chunk.limit && last ? positionOf(last) : null };
}

/**
 * recover's write job: each delivery of the batch leaves the index and becomes pending, due at
 * `due`, with retry_base = its attempts so far; its attempts, log and last outcome stay.
 */
export function recoverBatch(
  dbs: Databases,
  accountId: string,
  webhookId: string,
  window: RecoveryWindow,
  batch: { after?: string; limit: number; due: number },
  now: number,
): RecoverBatch {
  const webhook = ownedWebhook(dbs, accountId, webhookId);
  if (!webhook) return { kind: "refused", reason: "deleted" };
  if (!webhook.enabled) return { kind: "refused", reason: "disabled" };
  const { keys, next } = keysOf(dbs, webhookId, window, batch.after, batch.limit);
  const deliveries: DeliveryRecord[] = [];
  for (const key of keys) {
    const recovered = recoverOne(dbs, key, batch.due, now);
    if (recovered) deliveries.push(recovered);
  }
  return { kind: "recovered", deliveries, next };
}

/** Recovers one indexed delivery; an entry that names no failed or cancelled one is dropped. */
function recoverOne(dbs: Databases, key: Key[], due: number, now: number): DeliveryRecord | undefined {
  const stored = readStoredDelivery(dbs, key[2] as string);
  if (!stored || !isUnsuccessful(stored.delivery.status)) {
    dbs.unsuccessful.removeSync(key);
    return undefined;
  }
  const before = stored.delivery;
  const { retry_base: _, ...rest } = before;
  const next: DeliveryRecord = { ...rest, status: "pending", next_attempt_at: due, updated_at: now };
  if (before.attempts > 0) next.retry_base = before.attempts;
  noteStatus(dbs, before, next);
  enterQueue(dbs, next, due);
  rewriteDelivery(dbs, stored, next);
  return next;
}
