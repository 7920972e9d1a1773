// Retention on PostgreSQL: one call removes at most `limit` records (attempts first, then finished
// events with their deliveries) older than `before`, in one short transaction.
//
// Guarantees:
// - never blocks publishing or delivery: it locks only the old rows it picked, with FOR UPDATE
//   SKIP LOCKED (rows another replica's retention or a write holds are left for a later call), and
//   takes no table lock; every statement is bounded by STATEMENT_TIMEOUT;
// - an event goes only once none of its deliveries is pending, and last: an event whose deliveries
//   exceed the budget loses them over several calls and disappears after them;
// - several replicas may run it at once: SKIP LOCKED splits the old rows between them.

import type { RetentionResult } from "../store";
import type { Queryable } from "./pg-client";
import type { PgContext } from "./pg-context";

const STATEMENT_TIMEOUT = "5s";

interface OldEvent {
  account_id: string;
  id: string;
}

async function purgeAttempts(tx: Queryable, s: string, before: number, budget: number): Promise<number> {
  const rows = await tx.run(
    `DELETE FROM ${s}.attempts WHERE id IN (
       SELECT id FROM ${s}.attempts WHERE started_at < $1 ORDER BY started_at LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING 1`,
    [before, budget],
  );
  return rows.length;
}

/** Finished events older than `before` (none of their deliveries pending), oldest first, locked. */
function oldEvents(tx: Queryable, s: string, before: number, budget: number): Promise<OldEvent[]> {
  return tx.run<OldEvent>(
    `SELECT e.account_id, e.id FROM ${s}.events e
     WHERE e.created_at < $1 AND NOT EXISTS (
       SELECT 1 FROM ${s}.deliveries d
       WHERE d.account_id = e.account_id AND d.event_id = e.id AND d.status = 'pending')
     ORDER BY e.created_at, e.account_id, e.id LIMIT $2 FOR UPDATE OF e SKIP LOCKED`,
    [before, budget],
  );
}

async function purgeEvents(
  tx: Queryable,
  s: string,
  before: number,
  budget: number,
): Promise<{ events: number; deliveries: number }> {
  const events = await oldEvents(tx, s, before, budget);
  if (events.length === 0) return { events: 0, deliveries: 0 };
  const owned = await tx.run<{ id: string; account_id: string; event_id: string }>(
    `SELECT d.id, d.account_id, d.event_id FROM ${s}.deliveries d
     JOIN unnest($1::text[], $2::text[]) k(a, i) ON d.account_id = k.a AND d.event_id = k.i
     FOR UPDATE OF d SKIP LOCKED`,
    [events.map((e) => e.account_id), events.map((e) => e.id)],
  );
  const byEvent = Map.groupBy(owned, (d) => `${d.account_id}\u0000${d.event_id}`);
  const deliveryIds: string[] = [];
  const gone: OldEvent[] = [];
  let left = budget;
  for (const event of events) {
    const mine = byEvent.get(`${event.account_id}\u0000${event.id}`) ?? [];
    const take = mine.slice(0, left);
    for (const d of take) deliveryIds.push(d.id);
    left -= take.length;
    if (take.length < mine.length || left === 0) break;
    gone.push(event);
    left--;
  }
  const removed = await tx.run(
    `DELETE FROM ${s}.deliveries WHERE id = ANY($1::text[]) AND status <> 'pending' RETURNING 1`,
    [deliveryIds],
  );
  // Only events left without any delivery (one made pending meanwhile keeps its event).
  const dropped = await tx.run(
    `DELETE FROM ${s}.events e USING unnest($1::text[], $2::text[]) k(a, i)
     WHERE e.account_id = k.a AND e.id = k.i AND NOT EXISTS (
       SELECT 1 FROM ${s}.deliveries d WHERE d.account_id = e.account_id AND d.event_id = e.id)
     RETURNING 1`,
    [gone.map((e) => e.account_id), gone.map((e) => e.id)],
  );
  return { events: dropped.length, deliveries: removed.length };
}

export function retention(ctx: PgContext) {
  const { client, s } = ctx;
  return function purge(before: number, limit: number): Promise<RetentionResult> {
    if (!Number.isSafeInteger(limit) || limit < 1)
      return Promise.resolve({ attempts: 0, events: 0, deliveries: 0 });
    return client.transaction(async (tx) => {
      await tx.run(`SET LOCAL statement_timeout = '${STATEMENT_TIMEOUT}'`);
      const attempts = await purgeAttempts(tx, s, before, limit);
      const rest =
        attempts < limit ? await purgeEvents(tx, s, before, limit - attempts) : { events: 0, deliveries: 0 };
      return { attempts, ...rest };
    });
  };
}
