// Due work shared by every replica: leases taken with FOR UPDATE SKIP LOCKED, so a replica never
// waits for another's locks, and a leased row's due_at moves to its lease's end, so rows in flight
// leave the front of the due index (an SQS-style visibility timeout). One statement, one round
// trip per call. Rows are reached by key: the joins back to deliveries also say `d.id = ANY (…)`,
// so the planner scans the primary key for exactly those ids, never the table (a hash join over a
// sequential scan would read every row).
//
// Guarantees: a live lease is never handed out twice (the pick skips rows whose lease has not
// ended, and the row lock serializes two picks of one row); every lease raises lease_seq, the
// token that fences outcome writes (./record-statement.ts); release and renew change only a lease
// still held with that token by that owner.

import type { DueWork, Lease, LeaseRequest } from "../store";
import { clockCte, type PgContext, PLANS_SET } from "./pg-context";
import { toDb } from "./pg-text";
import { DELIVERY_COLUMNS, type DeliveryRow, deliveryOf } from "./rows";

const RETURNED = DELIVERY_COLUMNS.split(",")
  .map((c) => `d.${c.trim()}`)
  .join(", ");

type LeasedRow = DeliveryRow & { lease_seq: string; lease_expires_at: string; now: string; old_due?: string };

const leaseOf = (row: LeasedRow): Lease => ({
  delivery: deliveryOf(row),
  token: Number(row.lease_seq),
  expiresInMs: Number(row.lease_expires_at) - Number(row.now),
});

const leaseStatement = (s: string, paged: boolean) => `
WITH ${clockCte(s)},
picked AS MATERIALIZED (
  SELECT d.id, d.due_at AS old_due FROM ${s}.deliveries d, clock
  WHERE d.status = 'pending' AND d.due_at < $2::int8
    ${paged ? "AND (d.due_at, d.id) > ($6::int8, $7::text)" : ""}
    AND (d.lease_owner IS NULL OR d.lease_expires_at <= clock.ms)
  ORDER BY d.due_at, d.id LIMIT $3
  FOR UPDATE OF d SKIP LOCKED)
UPDATE ${s}.deliveries d SET lease_owner = $4, lease_seq = d.lease_seq + 1,
  lease_expires_at = GREATEST(clock.ms, d.next_attempt_at) + $5::int8,
  due_at = GREATEST(clock.ms, d.next_attempt_at) + $5::int8
FROM picked, clock WHERE d.id = picked.id AND d.id = ANY (ARRAY(SELECT id FROM picked)) AND ${PLANS_SET}
RETURNING ${RETURNED}, d.lease_seq, d.lease_expires_at, clock.ms AS now, picked.old_due`;

function byDue(a: LeasedRow, b: LeasedRow): number {
  const due = Number(a.old_due) - Number(b.old_due);
  if (due !== 0) return due;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function dueWork(ctx: PgContext): DueWork {
  const { client, s } = ctx;
  const first = leaseStatement(s, false);
  const paged = leaseStatement(s, true);
  return {
    async lease(req: LeaseRequest): Promise<Lease[]> {
      if (req.limit <= 0) return [];
      const params = [ctx.clock(), req.until, req.limit, req.owner, req.leaseMs];
      const rows = await client.run<LeasedRow>(
        req.after ? paged : first,
        req.after ? [...params, req.after.due, toDb(req.after.delivery_id)] : params,
      );
      return rows.sort(byDue).map(leaseOf);
    },

    async renew(owner, ref, leaseMs) {
      const [row] = await client.run<LeasedRow>(
        `WITH ${clockCte(s)}
         UPDATE ${s}.deliveries d SET lease_expires_at = clock.ms + $5::int8, due_at = clock.ms + $5::int8
         FROM clock
         WHERE ${PLANS_SET} AND d.id = $2 AND d.lease_seq = $3 AND d.lease_owner = $4 AND d.status = 'pending'
         RETURNING ${RETURNED}, d.lease_seq, d.lease_expires_at, clock.ms AS now`,
        [ctx.clock(), toDb(ref.delivery_id), ref.token, owner, leaseMs],
      );
      return row && leaseOf(row);
    },

    async release(owner, refs) {
      if (refs.length === 0) return;
      await client.run(
        `UPDATE ${s}.deliveries d SET lease_owner = NULL, lease_expires_at = NULL,
           due_at = CASE WHEN d.status = 'pending' THEN d.next_attempt_at ELSE d.due_at END
         FROM unnest($1::text[], $2::int8[]) r(id, token)
         WHERE d.id = r.id AND d.id = ANY ($1::text[]) AND d.lease_seq = r.token AND d.lease_owner = $3`,
        [refs.map((r) => toDb(r.delivery_id)), refs.map((r) => r.token), owner],
      );
    },
  };
}
