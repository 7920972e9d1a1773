// Deliveries: their state machine moves only through these writes, each a single transaction that
// keeps the delivery, the due-time queue and the webhook -> pending index in step.
// Invariant: a delivery is "pending" exactly when it has one queue entry [next_attempt_at, id] and
// one pending-by-webhook entry, and only while its webhook exists and is enabled.

import type { AttemptRecord, DeliveryRecord } from "../records";
import type { AttemptOutcomeUpdate, DeliveryRepository } from "../store";
import { putAttempt } from "./attempts-repository";
import { acceptsDeliveries } from "./cancellation";
import { deliveriesOfEvent } from "./events-repository";
import { type Databases, entryCount, MARK, type StoredDelivery } from "./lmdb-databases";
import { readDelivery, readStoredDelivery, rewriteDelivery, writeDelivery } from "./stored-records";
import type { WriteBatcher } from "./write-batcher";

function leaveQueue(dbs: Databases, delivery: DeliveryRecord): void {
  if (delivery.status !== "pending") return;
  if (delivery.next_attempt_at !== null) dbs.queue.removeSync([delivery.next_attempt_at, delivery.id]);
  dbs.pendingByWebhook.removeSync([delivery.webhook_id, delivery.id]);
}

function enterQueue(dbs: Databases, delivery: DeliveryRecord, due: number): void {
  dbs.queue.putSync([due, delivery.id], MARK);
  dbs.pendingByWebhook.putSync([delivery.webhook_id, delivery.id], due);
}

function applyAttempt(
  dbs: Databases,
  attempt: AttemptRecord,
  update: AttemptOutcomeUpdate,
): DeliveryRecord | undefined {
  putAttempt(dbs, attempt);
  if (attempt.delivery_id === null) return undefined;
  const stored = readStoredDelivery(dbs, attempt.delivery_id);
  if (!stored) return undefined;
  const delivery = stored.delivery;
  const attempts: StoredDelivery["attempts"] = [...stored.attempts, [attempt.started_at, attempt.id]];
  // Cancelled (or finished) meanwhile: the attempt is history worth keeping, the state is not moved.
  if (delivery.status !== "pending") {
    writeDelivery(dbs, { delivery, attempts });
    return delivery;
  }
  leaveQueue(dbs, delivery);
  const next: DeliveryRecord = {
    ...delivery,
    status: update.status,
    attempts: delivery.attempts + 1,
    next_attempt_at: update.status === "pending" ? update.next_attempt_at : null,
    updated_at: attempt.started_at + attempt.duration_ms,
    last_attempt_at: attempt.started_at,
    last_status_code: attempt.status_code,
    last_error: attempt.outcome === "failed" ? (attempt.error_message ?? attempt.error_class) : null,
  };
  if (update.status === "pending") enterQueue(dbs, next, update.next_attempt_at);
  writeDelivery(dbs, { delivery: next, attempts });
  return next;
}

export function deliveriesRepository(
  dbs: Databases,
  writer: WriteBatcher,
  clock: () => number,
): DeliveryRepository {
  const get = (accountId: string, id: string) => {
    const delivery = readDelivery(dbs, id);
    return delivery?.account_id === accountId ? delivery : undefined;
  };

  return {
    get,
    getById: (id) => readDelivery(dbs, id),
    /** Oldest first. */
    listForEvent: (accountId, eventId) => deliveriesOfEvent(dbs, accountId, eventId),

    recordAttempt(attempt: AttemptRecord, update: AttemptOutcomeUpdate): Promise<DeliveryRecord | undefined> {
      return writer.run(() => applyAttempt(dbs, attempt, update));
    },

    /**
     * Pending again, due at `due`. When the webhook is gone or disabled the delivery is returned
     * unchanged (not pending), because nothing could be sent to it.
     */
    reschedule(accountId: string, id: string, due: number): Promise<DeliveryRecord | undefined> {
      const now = clock();
      return writer.run(() => {
        const stored = readStoredDelivery(dbs, id);
        const delivery = stored?.delivery;
        if (!stored || delivery?.account_id !== accountId) return undefined;
        if (!acceptsDeliveries(dbs, delivery.account_id, delivery.webhook_id)) return delivery;
        leaveQueue(dbs, delivery);
        const next: DeliveryRecord = {
          ...delivery,
          status: "pending",
          next_attempt_at: due,
          updated_at: now,
        };
        enterQueue(dbs, next, due);
        rewriteDelivery(dbs, stored, next);
        return next;
      });
    },

    countPending: () => entryCount(dbs.queue),
  };
}
