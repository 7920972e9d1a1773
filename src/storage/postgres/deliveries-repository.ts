// Deliveries: reads, the fenced recordAttempt (group-committed with publishes: ./write-batch.ts,
// ./record-part.ts) and the manual reschedule.

import type { DeliveryRecord } from "../records";
import type { DeliveryRepository } from "../store";
import { listDeliveries } from "./delivery-listing";
import { CLOCK_SQL, type PgContext } from "./pg-context";
import { toDb } from "./pg-text";
import { countRecoverable, recoverBatch } from "./recovery";
import { DELIVERY_COLUMNS, type DeliveryRow, deliveryOf } from "./rows";
import type { WriteBatch } from "./write-batch";

export function deliveriesRepository(ctx: PgContext, writes: WriteBatch): DeliveryRepository {
  const { client, s } = ctx;

  const getById = async (id: string) => {
    const [row] = await client.run<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM ${s}.deliveries WHERE id = $1`,
      [toDb(id)],
    );
    return row && deliveryOf(row);
  };

  return {
    async get(accountId, id) {
      const delivery = await getById(id);
      return delivery?.account_id === accountId ? delivery : undefined;
    },

    getById,

    /** In the order the publish gave them. */
    async listForEvent(accountId, eventId) {
      const rows = await client.run<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM ${s}.deliveries WHERE account_id = $1 AND event_id = $2 ORDER BY position`,
        [toDb(accountId), toDb(eventId)],
      );
      return rows.map(deliveryOf);
    },

    list: (accountId, filter, page) => listDeliveries(ctx, accountId, filter, page),

    recordAttempt(attempt, update, lease, options) {
      if (attempt.delivery_id !== lease.delivery_id) {
        return Promise.reject(
          new Error("recordAttempt: the attempt and the lease name different deliveries"),
        );
      }
      return writes.record({ attempt, update, lease, options });
    },

    countRecoverable: (accountId, webhookId, window, chunk) =>
      countRecoverable(ctx, accountId, webhookId, window, chunk),
    recover: (accountId, webhookId, window, batch) => recoverBatch(ctx, accountId, webhookId, window, batch),

    reschedule(accountId, id, due) {
      return client.transaction(async (tx): Promise<DeliveryRecord | undefined> => {
        // The webhook row is held FOR SHARE until commit: a concurrent disable or delete waits, and
        // its cancellation then sees the delivery pending again.
        const live = await tx.run(
          `SELECT w.id FROM ${s}.webhooks w JOIN ${s}.deliveries d
             ON d.webhook_id = w.id AND d.account_id = w.account_id
           WHERE d.id = $1 AND d.account_id = $2 AND w.enabled FOR SHARE OF w`,
          [toDb(id), toDb(accountId)],
        );
        // Nothing could be sent: the delivery is answered as it is (or undefined when missing).
        const asItIs = async () => {
          const [row] = await tx.run<DeliveryRow>(
            `SELECT ${DELIVERY_COLUMNS} FROM ${s}.deliveries WHERE id = $1 AND account_id = $2`,
            [toDb(id), toDb(accountId)],
          );
          return row && deliveryOf(row);
        };
        if (live.length === 0) return asItIs();
        const [row] = await tx.run<DeliveryRow>(
          `UPDATE ${s}.deliveries SET status = 'pending', next_attempt_at = $3, updated_at = ${CLOCK_SQL},
             due_at = CASE WHEN lease_owner IS NOT NULL AND lease_expires_at > ${CLOCK_SQL}
                           THEN lease_expires_at ELSE $3 END
           WHERE id = $2 AND status <> 'succeeded' RETURNING ${DELIVERY_COLUMNS}`,
          [ctx.clock(), toDb(id), due],
        );
        // No row: it has succeeded (an outcome committed first is seen: the update waits for it).
        return row ? deliveryOf(row) : asItIs();
      });
    },
  };
}
