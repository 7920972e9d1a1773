// GET /v1/deliveries on PostgreSQL, with the same walk as the LMDB store (../lmdb/delivery-listing.ts)
// and no index of its own: the account's events newest first from events_account_time
// (account_id, created_at, id), bounded by `since`/`until` (and by primary key for `event_id`), and
// each event's deliveries from deliveries_event (account_id, event_id, position) in reverse. The
// event's type is checked before its deliveries are joined; `webhook_id` and `status` on each
// delivery. A replayed delivery (a later position of an old event) lists with its event.
//
// Guarantees: one page walks at most EVENTS_EXAMINED_MAX events (the statement's inner LIMIT), so a
// selective filter over a long history costs a bounded amount per page; such a page may hold fewer
// than `limit` rows, even none, and still carries a cursor (the last event walked). Cursors are
// positions (event created_at, event id, delivery position), as on LMDB: pages never repeat or skip.
// With `status: pending`, while the webhook named (or all of the account's) hold at most
// PENDING_SCAN_MAX pending deliveries, pages come from the partial index deliveries_webhook_pending
// instead, full.

import { pageLimit } from "../cursor";
import { decodePosition, encodePosition, type ListingPosition as Position } from "../listing-position";
import type { DeliveryFilter, DeliveryRecord, Page, PageQuery } from "../records";
import type { PgContext } from "./pg-context";
import { fromDb, toDb } from "./pg-text";
import { type DeliveryRow, deliveryOf } from "./rows";

/** Events one page walks at most (with their deliveries, about 6,000 rows at two webhooks an event). */
export const EVENTS_EXAMINED_MAX = 2_000;
/** The most pending deliveries the pending-index path reads for a page. */
export const PENDING_SCAN_MAX = 1_000;

type ListedRow = DeliveryRow & { ev_created_at: string | number; position: number };

type Placeholder = (value: unknown, cast?: string) => string;

/** Builds numbered parameters: `p(value)` answers its placeholder. */
function params() {
  const values: unknown[] = [];
  const p = (value: unknown, cast = "") => {
    values.push(value);
    return `$${values.length}${cast}`;
  };
  return { values, p };
}

/** Conditions on the events walked (account, window, id, cursor), with their parameters. */
function eventConditions(
  p: Placeholder,
  e: string,
  accountId: string,
  filter: DeliveryFilter,
  at: Position | null,
): string {
  const where = [`${e}.account_id = ${p(toDb(accountId))}`];
  if (filter.since !== undefined) where.push(`${e}.created_at >= ${p(filter.since, "::int8")}`);
  if (filter.until !== undefined) where.push(`${e}.created_at < ${p(filter.until, "::int8")}`);
  if (filter.event_id !== undefined) where.push(`${e}.id = ${p(toDb(filter.event_id))}`);
  if (at) {
    where.push(`(${e}.created_at, ${e}.id) <= (${p(at.createdAt, "::int8")}, ${p(toDb(at.eventId))}::text)`);
  }
  return where.join(" AND ");
}

/** Conditions on the deliveries joined (type, webhook, status, cursor). */
function deliveryConditions(p: Placeholder, filter: DeliveryFilter, at: Position | null) {
  const where = ["TRUE"];
  if (filter.event_type !== undefined) where.push(`ev.type = ${p(toDb(filter.event_type))}`);
  if (filter.webhook_id !== undefined) where.push(`d.webhook_id = ${p(toDb(filter.webhook_id))}`);
  if (filter.status !== undefined) where.push(`d.status = ${p(filter.status)}`);
  if (at) {
    where.push(
      `(ev.created_at, ev.id, d.position) < (${p(at.createdAt, "::int8")}, ${p(toDb(at.eventId))}::text, ${p(at.before, "::int")})`,
    );
  }
  return where.join(" AND ");
}

const SELECTED = `d.id, d.account_id, d.event_id, d.event_type, d.webhook_id, d.status, d.attempts,
  d.next_attempt_at, d.created_at, d.updated_at, d.last_attempt_at, d.last_status_code, d.last_error,
  d.retry_base, d.position, ev.created_at AS ev_created_at`;

const positionOf = (row: ListedRow): Position => ({
  createdAt: Number(row.ev_created_at),
  eventId: fromDb(row.event_id),
  before: row.position,
});

/** A page's rows by walking the account's events. */
async function walkEvents(
  ctx: PgContext,
  accountId: string,
  filter: DeliveryFilter,
  limit: number,
  at: Position | null,
): Promise<{ rows: ListedRow[]; cutAt: Position | null }> {
  const eventsMax = EVENTS_EXAMINED_MAX;
  const { client, s } = ctx;
  const q = params();
  const events = eventConditions(q.p, "e", accountId, filter, at);
  const deliveries = deliveryConditions(q.p, filter, at);
  const rows = await client.run<ListedRow>(
    `SELECT ${SELECTED}
     FROM (SELECT e.account_id, e.id, e.created_at, e.type FROM ${s}.events e WHERE ${events}
           ORDER BY e.created_at DESC, e.id DESC LIMIT ${q.p(eventsMax, "::int")}) ev
     CROSS JOIN LATERAL (SELECT * FROM ${s}.deliveries d0
       WHERE d0.account_id = ev.account_id AND d0.event_id = ev.id) d
     WHERE ${deliveries}
     ORDER BY ev.created_at DESC, ev.id DESC, d.position DESC LIMIT ${q.p(limit + 1, "::int")}`,
    q.values,
  );
  if (rows.length > limit) return { rows, cutAt: null };
  // Fewer than a page: the walk either reached the end of the range or its bound. In the latter
  // case the next page starts after the last event walked.
  const last = params();
  const [edge] = await client.run<{ created_at: string | number; id: string }>(
    `SELECT e.created_at, e.id FROM ${s}.events e WHERE ${eventConditions(last.p, "e", accountId, filter, at)}
     ORDER BY e.created_at DESC, e.id DESC OFFSET ${last.p(eventsMax - 1, "::int")} LIMIT 1`,
    last.values,
  );
  const cutAt = edge ? { createdAt: Number(edge.created_at), eventId: fromDb(edge.id), before: 0 } : null;
  return { rows, cutAt };
}

/**
 * The webhooks whose pending deliveries are read: the one named, or every webhook of the account (a
 * pending delivery's webhook exists and is enabled: deleting or disabling one cancels them).
 */
function webhooksSql(ctx: PgContext, p: Placeholder, accountId: string, filter: DeliveryFilter): string {
  return filter.webhook_id !== undefined
    ? `= ${p(toDb(filter.webhook_id))}`
    : `IN (SELECT w.id FROM ${ctx.s}.webhooks w WHERE w.account_id = ${p(toDb(accountId))})`;
}

/** A page's rows from the pending index, or undefined when it holds too many for this path. */
async function pending(
  ctx: PgContext,
  accountId: string,
  filter: DeliveryFilter,
  limit: number,
  at: Position | null,
): Promise<ListedRow[] | undefined> {
  const { client, s } = ctx;
  const c = params();
  const [count] = await client.run<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${s}.deliveries
       WHERE webhook_id ${webhooksSql(ctx, c.p, accountId, filter)} AND status = 'pending'
       LIMIT ${c.p(PENDING_SCAN_MAX + 1, "::int")}) x`,
    c.values,
  );
  if ((count?.n ?? 0) > PENDING_SCAN_MAX) return undefined;
  const q = params();
  const webhooks = webhooksSql(ctx, q.p, accountId, filter);
  const events = eventConditions(q.p, "ev", accountId, filter, at);
  const deliveries = deliveryConditions(q.p, filter, at);
  return client.run<ListedRow>(
    `SELECT ${SELECTED} FROM ${s}.deliveries d
     JOIN ${s}.events ev ON ev.account_id = d.account_id AND ev.id = d.event_id
     WHERE d.webhook_id ${webhooks} AND d.status = 'pending' AND ${events} AND ${deliveries}
     ORDER BY ev.created_at DESC, ev.id DESC, d.position DESC LIMIT ${q.p(limit + 1, "::int")}`,
    q.values,
  );
}

/** One page of the account's deliveries matching `filter` (DeliveryRepository.list). */
export async function listDeliveries(
  ctx: PgContext,
  accountId: string,
  filter: DeliveryFilter,
  page: PageQuery,
): Promise<Page<DeliveryRecord>> {
  const limit = pageLimit(page.limit);
  const at = page.cursor ? decodePosition(accountId, page.cursor) : null;
  const fromIndex =
    filter.status === "pending" ? await pending(ctx, accountId, filter, limit, at) : undefined;
  const { rows, cutAt } = fromIndex
    ? { rows: fromIndex, cutAt: null }
    : await walkEvents(ctx, accountId, filter, limit, at);
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  const next = rows.length > limit && last ? positionOf(last) : cutAt;
  return { data: data.map(deliveryOf), next_cursor: next ? encodePosition(accountId, next) : null };
}
