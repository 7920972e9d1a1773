// Deliveries: their state machine moves only through these writes, each a single transaction that
// keeps the delivery, the due-time queue and the webhook -> pending index in step.
// Invariant: a delivery is "pending" exactly when it has one queue entry [next_attempt_at, id] and
// one pending-by-webhook entry, and only while its webhook exists and is enabled.
// Outcomes are fenced by lease tokens (./leases.ts): the check runs inside the write job, against
// the lease table as this transaction sees it, so of two records with one token only the first
// writes anything.

import type { AttemptRecord, DeliveryRecord } from "../records";
import type {
  AttemptOutcomeUpdate,
  DeliveryRepository,
  Lease,
  LeaseRef,
  RecordOptions,
  RecordResult,
} from "../store";
import { type HealthTail, rollUpAttempt } from "./attempt-rollups";
import { acceptsDeliveries } from "./cancellation";
import { leaseEnd, leaseOf } from "./due-work";
import { deliveriesOfEvent } from "./events-repository";
import type { LeaseTable } from "./leases";
import { listDeliveries } from "./list-deliveries";
import { type Databases, MARK } from "./lmdb-databases";
import type { StoredDelivery } from "./record-codecs";
import { countRecoverable, recoverBatch } from "./recovery";
import {
  readDelivery,
  readStoredDelivery,
  rewriteDelivery,
  writeAttempt,
  writeDelivery,
} from "./stored-records";
import { settled } from "./sync-read";
import { noteStatus } from "./unsuccessful-index";
import type { WriteBatcher } from "./write-batcher";

function leaveQueue(dbs: Databases, delivery: DeliveryRecord): void {
  if (delivery.status !== "pending") return;
  if (delivery.next_attempt_at !== null) dbs.queue.removeSync([delivery.next_attempt_at, delivery.id]);
  dbs.pendingByWebhook.removeSync([delivery.webhook_id, delivery.id]);
}

export function enterQueue(dbs: Databases, delivery: DeliveryRecord, due: number): void {
  dbs.queue.putSync([due, delivery.id], MARK);
  dbs.pendingByWebhook.putSync([delivery.webhook_id, delivery.id], due);
}

/**
 * `delivery` with the attempt counted whatever its status (its count and last_* fields) and
 * `moved` (status, due time, updated_at) on top. One object literal: no intermediate object spread.
 */
function countedDelivery(
  delivery: DeliveryRecord,
  attempt: AttemptRecord,
  moved: Pick<DeliveryRecord, "status" | "next_attempt_at" | "updated_at">,
): DeliveryRecord {
  return {
    ...delivery,
    attempts: delivery.attempts + 1,
    last_attempt_at: attempt.started_at,
    last_status_code: attempt.status_code,
    last_error: attempt.outcome === "failed" ? (attempt.error_message ?? attempt.error_class) : null,
    status: moved.status,
    next_attempt_at: moved.next_attempt_at,
    updated_at: moved.updated_at,
  };
}

/** Appends the attempt and moves the delivery on; answers the delivery as it now stands. */
function applyAttempt(
  dbs: Databases,
  health: HealthTail,
  stored: StoredDelivery,
  attempt: AttemptRecord,
  update: AttemptOutcomeUpdate,
): DeliveryRecord {
  writeAttempt(dbs, attempt);
  rollUpAttempt(dbs, health, attempt);
  const delivery = stored.delivery;
  const attempts: StoredDelivery["attempts"] = [...stored.attempts, [attempt.started_at, attempt.id]];
  // Cancelled (or finished) meanwhile: the attempt counts (the next one takes the next number), but
  // the status, due time and queue entries stay as they are.
  if (delivery.status !== "pending") {
    const counted = countedDelivery(delivery, attempt, {
      status: delivery.status,
      next_attempt_at: delivery.next_attempt_at,
      updated_at: Math.max(delivery.updated_at, attempt.started_at + attempt.duration_ms),
    });
    writeDelivery(dbs, { delivery: counted, attempts });
    return counted;
  }
  leaveQueue(dbs, delivery);
  const next = countedDelivery(delivery, attempt, {
    status: update.status,
    next_attempt_at: update.status === "pending" ? update.next_attempt_at : null,
    updated_at: attempt.started_at + attempt.duration_ms,
  });
  if (update.status === "pending") enterQueue(dbs, next, update.next_attempt_at);
  noteStatus(dbs, delivery, next);
  writeDelivery(dbs, { delivery: next, attempts });
  return next;
}

/** The retry's new lease (staged), when it stays pending and falls due within `relet.withinMs`. */
function relet(
  table: LeaseTable,
  delivery: DeliveryRecord,
  owner: string,
  now: number,
  options: RecordOptions["relet"],
): Lease | undefined {
  const due = delivery.next_attempt_at;
  if (!options || delivery.status !== "pending" || due === null || due >= now + options.withinMs) {
    return undefined;
  }
  return leaseOf(delivery, table.stageGrant(delivery.id, owner, leaseEnd(now, due, options.leaseMs)), now);
}

/** recordAttempt's write job. */
function recordFenced(
  dbs: Databases,
  health: HealthTail,
  table: LeaseTable,
  now: number,
  attempt: AttemptRecord,
  update: AttemptOutcomeUpdate,
  ref: LeaseRef,
  options: RecordOptions | undefined,
): RecordResult {
  if (attempt.delivery_id !== ref.delivery_id) {
    throw new Error(`attempt ${attempt.id} is not of delivery ${ref.delivery_id}`);
  }
  const stored = readStoredDelivery(dbs, ref.delivery_id);
  if (!stored) return { kind: "missing" };
  const held = table.current(ref.delivery_id);
  if (held?.token !== ref.token) return { kind: "fenced" };
  const delivery = applyAttempt(dbs, health, stored, attempt, update);
  const lease = relet(table, delivery, held.owner, now, options?.relet);
  if (lease) return { kind: "recorded", delivery, lease };
  table.stageEnd(ref.delivery_id);
  return { kind: "recorded", delivery };
}

/**
 * Pending again, due at `due`; a live lease on it is kept. A delivery that succeeded, or whose
 * webhook is gone or disabled, is returned unchanged (not pending): nothing is sent again.
 */
function rescheduleNow(
  dbs: Databases,
  accountId: string,
  id: string,
  due: number,
  now: number,
): DeliveryRecord | undefined {
  const stored = readStoredDelivery(dbs, id);
  const delivery = stored?.delivery;
  if (!stored || delivery?.account_id !== accountId) return undefined;
  if (delivery.status === "succeeded") return delivery;
  if (!acceptsDeliveries(dbs, delivery.account_id, delivery.webhook_id)) return delivery;
  leaveQueue(dbs, delivery);
  const next: DeliveryRecord = { ...delivery, status: "pending", next_attempt_at: due, updated_at: now };
  enterQueue(dbs, next, due);
  noteStatus(dbs, delivery, next);
  rewriteDelivery(dbs, stored, next);
  return next;
}

export function deliveriesRepository(
  dbs: Databases,
  writer: WriteBatcher,
  health: HealthTail,
  leases: LeaseTable,
  clock: () => number,
): DeliveryRepository {
  const settle = (committed: boolean) => leases.settle(committed, clock());
  return {
    get: (accountId, id) =>
      settled(() => {
        const delivery = readDelivery(dbs, id);
        return delivery?.account_id === accountId ? delivery : undefined;
      }),
    getById: (id) => settled(() => readDelivery(dbs, id)),
    /** Oldest first. */
    listForEvent: (accountId, eventId) => settled(() => deliveriesOfEvent(dbs, accountId, eventId)),
    list: (accountId, filter, page) => settled(() => listDeliveries(dbs, accountId, filter, page).page),

    recordAttempt(attempt, update, lease, options): Promise<RecordResult> {
      // Deferrable: no request waits on an outcome, so it rides along with the next commit (at
      // most DEFER_MS_MAX later, commit-pacing.ts). A crash before that commit means the attempt
      // is made again after the restart: at least once, as for a crash during the send.
      return writer.run(
        () => recordFenced(dbs, health, leases, clock(), attempt, update, lease, options),
        settle,
        {
          deferrable: true,
        },
      );
    },

    countRecoverable: (accountId, webhookId, window, chunk) =>
      settled(() => countRecoverable(dbs, accountId, webhookId, window, chunk)),
    recover: (accountId, webhookId, window, batch) =>
      writer.run(() => recoverBatch(dbs, accountId, webhookId, window, batch, clock())),

    reschedule(accountId: string, id: string, due: number): Promise<DeliveryRecord | undefined> {
      const now = clock();
      return writer.run(() => rescheduleNow(dbs, accountId, id, due, now));
    },
  };
}
