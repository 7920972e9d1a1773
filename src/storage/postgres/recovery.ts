// Recovery of a webhook's failed and cancelled deliveries (DeliveryRepository.countRecoverable and
// recover), read through the partial index deliveries_unsuccessful (migration 004): a window is one
// index range, whatever the webhook's other deliveries or the table hold. Positions (`after`,
// `next`) are "<created_at>:<deliveryId>", the index's own order, as in the LMDB store.

import type { RecoveryWindow } from "../records";
import { formatPosition, parsePosition } from "../recovery-position";
import type { RecoverableCount, RecoverBatch } from "../store";
import type { Queryable } from "./pg-client";
import { CLOCK_SQL, type PgContext } from "./pg-context";
import { fromDb, toDb } from "./pg-text";
import { DELIVERY_COLUMNS, type DeliveryRow, deliveryOf } from "./rows";

const UNSUCCESSFUL = "status IN ('failed', 'cancelled')";

/** [created_at, id as stored] of the position to start after: `after`, or the window's start. */
function positionParams(window: RecoveryWindow, after: string | undefined): [number, string] {
  const position = after === undefined ? undefined : parsePosition(after);
  if (position === undefined || position.createdAt < window.since) return [window.since, ""];
  return [position.createdAt, toDb(position.id)];
}

/** The window's rows after the position, with windowParams' six values from parameter $p on. */
const inWindow = (p: number) => `webhook_id = $${p} AND account_id = $${p + 1} AND ${UNSUCCESSFUL}
  AND created_at >= $${p + 2} AND created_at < $${p + 3} AND (created_at, id) > ($${p + 4}::int8, $${p + 5}::text)`;

function windowParams(
  accountId: string,
  webhookId: string,
  window: RecoveryWindow,
  after: string | undefined,
): unknown[] {
  const [createdAt, id] = positionParams(window, after);
  return [toDb(webhookId), toDb(accountId), window.since, window.until, createdAt, id];
}

export async function countRecoverable(
  ctx: PgContext,
  accountId: string,
  webhookId: string,
  window: RecoveryWindow,
  chunk: { after?: string; limit: number },
): Promise<RecoverableCount> {
  const rows = await ctx.client.run<{ n: number; created_at: string | null; id: string | null }>(
    `SELECT count(*)::int AS n, max(created_at) AS created_at,
       (array_agg(id ORDER BY created_at DESC, id DESC))[1] AS id
     FROM (SELECT created_at, id FROM ${ctx.s}.deliveries WHERE ${inWindow(1)}
           ORDER BY created_at, id LIMIT $7) chunk`,
    [...windowParams(accountId, webhookId, window, chunk.after), chunk.limit],
  );
  const row = rows[0];
  const count = row?.n ?? 0;
  const next =
    count === chunk.limit && row?.created_at != null && row.id != null
      ? formatPosition(Number(row.created_at), fromDb(row.id))
      : null;
  return { count, next };
}

/**
 * One batch in one transaction: the webhook row is held FOR SHARE (a concurrent disable or delete
 * waits, and its cancellation then sees these deliveries pending). The batch's rows are read first
 * (not locked: under read committed, ORDER BY ... LIMIT ... FOR UPDATE may answer fewer rows than the
 * limit when some change meanwhile), then updated while still failed or cancelled; `next` follows
 * the rows read, so a row that changed meanwhile (a manual retry) never ends the walk early. A delivery
 * under a live lease (an attempt in flight when it was cancelled) keeps it, as a manual retry does.
 */
export function recoverBatch(
  ctx: PgContext,
  accountId: string,
  webhookId: string,
  window: RecoveryWindow,
  batch: { after?: string; limit: number; due: number },
): Promise<RecoverBatch> {
  return ctx.client.transaction(async (tx): Promise<RecoverBatch> => {
    const refused = await refusal(tx, ctx, accountId, webhookId);
    if (refused) return { kind: "refused", reason: refused };
    const taken = await tx.run<{ id: string; created_at: string | number }>(
      `SELECT id, created_at FROM ${ctx.s}.deliveries WHERE ${inWindow(1)}
       ORDER BY created_at, id LIMIT $7`,
      [...windowParams(accountId, webhookId, window, batch.after), batch.limit],
    );
    const last = taken[taken.length - 1];
    const next =
      taken.length === batch.limit && last ? formatPosition(Number(last.created_at), fromDb(last.id)) : null;
    if (taken.length === 0) return { kind: "recovered", deliveries: [], next };
    const rows = await tx.run<DeliveryRow>(
      `UPDATE ${ctx.s}.deliveries d SET status = 'pending', next_attempt_at = $3, updated_at = ${CLOCK_SQL},
         retry_base = d.attempts,
         due_at = CASE WHEN d.lease_owner IS NOT NULL AND d.lease_expires_at > ${CLOCK_SQL}
                       THEN d.lease_expires_at ELSE $3 END
       WHERE d.id = ANY($2::text[]) AND d.${UNSUCCESSFUL}
       RETURNING ${DELIVERY_COLUMNS.split(",")
         .map((c) => `d.${c.trim()}`)
         .join(", ")}`,
      [ctx.clock(), taken.map((row) => row.id), batch.due],
    );
    return { kind: "recovered", deliveries: rows.map(deliveryOf).sort(byPosition), next };
  });
}

function byPosition(a: { created_at: number; id: string }, b: { created_at: number; id: string }): number {
  if (a.created_at !== b.created_at) return a.created_at - b.created_at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

async function refusal(
  tx: Queryable,
  ctx: PgContext,
  accountId: string,
  webhookId: string,
): Promise<"disabled" | "deleted" | undefined> {
  const [row] = await tx.run<{ enabled: boolean }>(
    `SELECT enabled FROM ${ctx.s}.webhooks WHERE id = $1 AND account_id = $2 FOR SHARE`,
    [toDb(webhookId), toDb(accountId)],
  );
  if (!row) return "deleted";
  return row.enabled ? undefined : "disabled";
}
