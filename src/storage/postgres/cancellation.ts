// Cancelling webhooks' pending deliveries (webhook delete and disable, account delete).
//
// Runs as its own statement inside the transaction that changed the webhooks, after that change:
// under read committed its snapshot is taken once the webhook rows are locked by this transaction,
// so it sees every delivery of a publish that held those rows (FOR SHARE) before; a publish that
// comes later re-reads the webhook and stores its deliveries already cancelled. Either way no
// delivery stays pending for a deleted or disabled webhook. The lease columns are left alone: an
// attempt in flight still records its outcome (the attempt is kept, the delivery stays cancelled).

import type { Queryable } from "./pg-client";
import { CLOCK_SQL, type PgContext } from "./pg-context";

/** `webhookIds` as stored (escaped). `at` stamps updated_at; null for the store's clock. */
export async function cancelPendingOf(
  tx: Queryable,
  ctx: PgContext,
  webhookIds: string[],
  at: number | null = null,
): Promise<number> {
  if (webhookIds.length === 0) return 0;
  const rows = await tx.run(
    `UPDATE ${ctx.s}.deliveries SET status = 'cancelled', next_attempt_at = NULL, due_at = NULL,
       updated_at = COALESCE($3::int8, ${CLOCK_SQL})
     WHERE webhook_id = ANY($2::text[]) AND status = 'pending' RETURNING id`,
    [ctx.clock(), webhookIds, at],
  );
  return rows.length;
}
