// Retention on PostgreSQL: one call removes at most `limit` records (attempts first, then finished
// events with their deliveries) older than `before`, in one short transaction.
//
// Guarantees:
// - never blocks publishing or delivery: it locks only the old rows it picked, with FOR UPDATE
//   SKIP LOCKED (rows another replica's retention or a write holds are left for a later call), and
//   takes no table lock; every statement is bounded by STATEMENT_TIMEOUT;
// - bounded work: the event walk examines at most examinedMax(limit) old events a call, resuming
//   where the previous call stopped and wrapping at the end, so a backlog of old events that are
//   still pending cannot make every call scan it;
// - an event goes only once none of its deliveries is pending, and last: an event whose deliveries
//   exceed the budget loses them over several calls and disappears after them;
// - several replicas may run it at once: SKIP LOCKED splits the old rows between them.

import type { RetentionResult } from "../store";
import type { Queryable } from "./pg-client";
import type { PgContext } from "./pg-context";
import { purgeStatsBuckets } from "./stats-repository";

const STATEMENT_TIMEOUT = "5s";
const examinedMax = (limit: number) => Math.max(1_000, limit * 4);

/** An event's key in the walk's order. */
interface EventKey {
  created_at: string | number;
  account_id: string;
  id: string;
}

/** Where the event walk resumes (exclusive); null from the beginning. */
type Position = EventKey | null;

async function purgeAttempts(tx: Queryable, s: string, before: number, budget: number): Promise<number> {
  const rows = await tx.run(
    `DELETE FROM ${s}.attempts WHERE id IN (
       SELECT id FROM ${s}.attempts WHERE started_at < $1 ORDER BY started_at LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING 1`,
    [before, budget],
  );
  return rows.length;
}

/**
 * Up to `budget` finished events older than `before` among the next `examine` old events after
 * `from`, in walk order, locked ('p' rows); and the last event examined ('w' row), if any.
 */
function oldEvents(
  tx: Queryable,
  s: string,
  before: number,
  budget: number,
  examine: number,
  from: Position,
) {
  return tx.run<EventKey & { kind: "p" | "w"; n: string }>(
    `WITH win AS MATERIALIZED (
       SELECT account_id, id, created_at FROM ${s}.events
       WHERE created_at < $1 AND (created_at, account_id, id) > ($4::int8, $5::text, $6::text)
       ORDER BY created_at, account_id, id LIMIT $3),
     picked AS (
       SELECT e.account_id, e.id, e.created_at FROM ${s}.events e JOIN win ON e.account_id = win.account_id AND e.id = win.id
       WHERE NOT EXISTS (
         SELECT 1 FROM ${s}.deliveries d
         WHERE d.account_id = e.account_id AND d.event_id = e.id AND d.status = 'pending')
       ORDER BY e.created_at, e.account_id, e.id LIMIT $2 FOR UPDATE OF e SKIP LOCKED),
     last AS (SELECT * FROM win ORDER BY created_at DESC, account_id DESC, id DESC LIMIT 1)
     SELECT 'p' AS kind, *, 0::int8 AS n FROM (SELECT * FROM picked ORDER BY created_at, account_id, id) p
     UNION ALL SELECT 'w', account_id, id, created_at, (SELECT count(*) FROM win) FROM last`,
    [
      before,
      budget,
      examine,
      from?.created_at ?? Number.MIN_SAFE_INTEGER,
      from?.account_id ?? "",
      from?.id ?? "",
    ],
  );
}

interface Plan {
  deliveryIds: string[];
  events: EventKey[];
  /** The last event handled completely (removed), if the budget ran out before the others. */
  stoppedAfter: Position | undefined;
}

/** Spends the budget on the events' deliveries, then on each event whose deliveries all go. */
function plan(events: EventKey[], owned: Map<string, string[]>, budget: number): Plan {
  const out: Plan = { deliveryIds: [], events: [], stoppedAfter: undefined };
  let left = budget;
  for (const event of events) {
    const mine = owned.get(`${event.account_id}\u0000${event.id}`) ?? [];
    const take = mine.slice(0, left);
    out.deliveryIds.push(...take);
    left -= take.length;
    if (take.length < mine.length || left === 0) {
      out.stoppedAfter = out.events.at(-1) ?? null;
      return out;
    }
    out.events.push(event);
    left--;
  }
  return out;
}

async function purgeEvents(
  tx: Queryable,
  s: string,
  before: number,
  budget: number,
  from: Position,
): Promise<{ events: number; deliveries: number; next: Position }> {
  const examine = examinedMax(budget);
  const rows = await oldEvents(tx, s, before, budget, examine, from);
  const events = rows.filter((r) => r.kind === "p");
  const windowEnd = rows.find((r) => r.kind === "w");
  const owned = await tx.run<{ id: string; account_id: string; event_id: string }>(
    `SELECT d.id, d.account_id, d.event_id FROM ${s}.deliveries d
     JOIN unnest($1::text[], $2::text[]) k(a, i) ON d.account_id = k.a AND d.event_id = k.i
     FOR UPDATE OF d SKIP LOCKED`,
    [events.map((e) => e.account_id), events.map((e) => e.id)],
  );
  const byEvent = new Map<string, string[]>();
  for (const d of owned) {
    const key = `${d.account_id}\u0000${d.event_id}`;
    byEvent.set(key, [...(byEvent.get(key) ?? []), d.id]);
  }
  const chosen = plan(events, byEvent, budget);
  const removed = await tx.run(
    `DELETE FROM ${s}.deliveries WHERE id = ANY($1::text[]) AND status <> 'pending' RETURNING 1`,
    [chosen.deliveryIds],
  );
  // Only events left without any delivery (one made pending meanwhile keeps its event).
  const dropped = await tx.run(
    `DELETE FROM ${s}.events e USING unnest($1::text[], $2::text[]) k(a, i)
     WHERE e.account_id = k.a AND e.id = k.i AND NOT EXISTS (
       SELECT 1 FROM ${s}.deliveries d WHERE d.account_id = e.account_id AND d.event_id = e.id)
     RETURNING 1`,
    [chosen.events.map((e) => e.account_id), chosen.events.map((e) => e.id)],
  );
  const windowFull = Number(windowEnd?.n ?? 0) >= examine;
  const next = nextPosition(chosen, events, budget, windowFull ? windowEnd : undefined, from);
  return { events: dropped.length, deliveries: removed.length, next };
}

/**
 * Where the next call's walk starts. `windowEnd` is the last event examined when more old events
 * may follow it (the window was full), else undefined: the walk wraps to the beginning.
 */
function nextPosition(
  chosen: Plan,
  picked: EventKey[],
  budget: number,
  windowEnd: EventKey | undefined,
  from: Position,
): Position {
  const key = (e: EventKey): EventKey => ({ created_at: e.created_at, account_id: e.account_id, id: e.id });
  // The budget ran out inside an event: resume just before it (after the last one removed).
  if (chosen.stoppedAfter !== undefined) return chosen.stoppedAfter ? key(chosen.stoppedAfter) : from;
  const last = picked.at(-1);
  // The budget ran out on an event boundary: the events after it in the window come next time.
  if (picked.length === budget && last) return key(last);
  return windowEnd ? key(windowEnd) : null;
}

export function retention(ctx: PgContext) {
  const { client, s } = ctx;
  let position: Position = null;
  return async function purge(before: number, limit: number): Promise<RetentionResult> {
    if (!Number.isSafeInteger(limit) || limit < 1) return { attempts: 0, events: 0, deliveries: 0 };
    const from = position;
    const outcome = await client.transaction(async (tx) => {
      await tx.run(`SET LOCAL statement_timeout = '${STATEMENT_TIMEOUT}'`);
      const attempts = await purgeAttempts(tx, s, before, limit);
      await purgeStatsBuckets(tx, s, before, limit);
      const rest =
        attempts < limit
          ? await purgeEvents(tx, s, before, limit - attempts, from)
          : { events: 0, deliveries: 0, next: from };
      return { attempts, ...rest };
    });
    position = outcome.next;
    return { attempts: outcome.attempts, events: outcome.events, deliveries: outcome.deliveries };
  };
}
