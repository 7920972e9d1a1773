// Deliveries: reads, the fenced and group-committed recordAttempt (./record-statement.ts) and the
// manual reschedule.

import type { AttemptRecord, DeliveryRecord } from "../records";
import type {
  AttemptOutcomeUpdate,
  DeliveryRepository,
  LeaseRef,
  RecordOptions,
  RecordResult,
} from "../store";
import { GroupCommit } from "./group-commit";
import { CLOCK_SQL, type PgContext } from "./pg-context";
import { toDb, toDbOrNull } from "./pg-text";
import { presentStatement, recordStatement } from "./record-statement";
import { attemptParams, DELIVERY_COLUMNS, type DeliveryRow, deliveryOf } from "./rows";

interface RecordInput {
  attempt: AttemptRecord;
  update: AttemptOutcomeUpdate;
  lease: LeaseRef;
  options: RecordOptions | undefined;
}

type RecordRow = DeliveryRow & {
  key: string;
  lease_owner: string | null;
  lease_seq: string | null;
  lease_expires_at: string | null;
  now: string | null;
};

/** The record statement's parameters $2..$23, one array element per input: the outcome, then the
 *  attempt's columns (its delivery_id is the lease's, checked by recordAttempt). */
function recordParams(inputs: RecordInput[]): unknown[][] {
  const columns: unknown[][] = Array.from({ length: 22 }, () => []);
  for (const { attempt: a, update, lease, options } of inputs) {
    const values = [
      lease.token,
      update.status,
      update.status === "pending" ? update.next_attempt_at : null,
      a.started_at + a.duration_ms,
      a.outcome === "failed" ? toDbOrNull(a.error_message ?? a.error_class) : null,
      options?.relet?.withinMs ?? null,
      options?.relet?.leaseMs ?? null,
      ...attemptParams(a),
    ];
    for (const [i, value] of values.entries()) columns[i]?.push(value);
  }
  return columns;
}

function resultOf(row: RecordRow | undefined, present: boolean): RecordResult {
  if (!row) return { kind: present ? "fenced" : "missing" };
  const delivery = deliveryOf(row);
  if (row.lease_owner === null || delivery.status !== "pending") return { kind: "recorded", delivery };
  return {
    kind: "recorded",
    delivery,
    lease: {
      delivery,
      token: Number(row.lease_seq),
      expiresInMs: Number(row.lease_expires_at) - Number(row.now),
    },
  };
}

export function deliveriesRepository(ctx: PgContext): {
  repository: DeliveryRepository;
  idle: () => Promise<void>;
} {
  const { client, s } = ctx;
  const statement = recordStatement(s);
  const presentS = presentStatement(s);
  const batcher = new GroupCommit<RecordInput, RecordResult>(
    async (inputs) => {
      const rows = await client.run<RecordRow>(statement, [ctx.clock(), ...recordParams(inputs)]);
      const byKey = new Map(rows.map((r) => [r.key, r]));
      const unmoved = inputs.map((i) => toDb(i.lease.delivery_id)).filter((id) => !byKey.has(id));
      const present =
        unmoved.length === 0
          ? new Set<string>()
          : new Set((await client.run<{ id: string }>(presentS, [unmoved])).map((r) => r.id));
      return inputs.map((input) => {
        const key = toDb(input.lease.delivery_id);
        return resultOf(byKey.get(key), present.has(key));
      });
    },
    (input) => input.lease.delivery_id,
  );

  const getById = async (id: string) => {
    const [row] = await client.run<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM ${s}.deliveries WHERE id = $1`,
      [toDb(id)],
    );
    return row && deliveryOf(row);
  };

  const repository: DeliveryRepository = {
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

    recordAttempt(attempt, update, lease, options) {
      if (attempt.delivery_id !== lease.delivery_id) {
        return Promise.reject(
          new Error("recordAttempt: the attempt and the lease name different deliveries"),
        );
      }
      return batcher.run({ attempt, update, lease, options });
    },

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
        if (live.length === 0) {
          // Nothing could be sent: the delivery is answered as it is (or undefined when missing).
          const [row] = await tx.run<DeliveryRow>(
            `SELECT ${DELIVERY_COLUMNS} FROM ${s}.deliveries WHERE id = $1 AND account_id = $2`,
            [toDb(id), toDb(accountId)],
          );
          return row && deliveryOf(row);
        }
        const [row] = await tx.run<DeliveryRow>(
          `UPDATE ${s}.deliveries SET status = 'pending', next_attempt_at = $3, updated_at = ${CLOCK_SQL},
             due_at = CASE WHEN lease_owner IS NOT NULL AND lease_expires_at > ${CLOCK_SQL}
                           THEN lease_expires_at ELSE $3 END
           WHERE id = $2 RETURNING ${DELIVERY_COLUMNS}`,
          [ctx.clock(), toDb(id), due],
        );
        return row && deliveryOf(row);
      });
    },
  };
  return { repository, idle: () => batcher.idle() };
}
