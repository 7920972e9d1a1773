// Events and their fan-out. The publish calls of one event-loop turn are written by one statement
// with the turn's outcomes of attempts (./write-batch.ts, ./publish-part.ts), atomic on its own: a
// statement costs the server far more than a row (one event a statement: about 300 µs of
// PostgreSQL CPU an event; a hundred: under 50), and single-event publishes are the API's common
// case.

import { decodeCursor, encodeCursor, pageLimit, pageOf } from "../cursor";
import type { DeliveryRecord, EventRecord } from "../records";
import {
  type AddDeliveriesResult,
  type EventRepository,
  isNewDeliveryOf,
  type Lease,
  type PublishItem,
  type PublishOptions,
  type PublishResult,
  type RefusedDelivery,
} from "../store";
import type { Queryable } from "./pg-client";
import { CLOCK_SQL, type PgContext } from "./pg-context";
import { toDb } from "./pg-text";
import { deliveryParams, type EventRow, eventOf } from "./rows";
import type { WriteBatch } from "./write-batch";

/** Why each webhook may not have pending deliveries now (absent: enabled), its row held FOR SHARE. */
async function refusals(
  tx: Queryable,
  s: string,
  accountId: string,
  webhookIds: string[],
): Promise<Map<string, RefusedDelivery["reason"]>> {
  // FOR SHARE until commit: a concurrent disable or delete waits, and its cancellation then sees
  // the new deliveries pending; one that committed first is seen here.
  const rows = await tx.run<{ id: string; enabled: boolean }>(
    `SELECT id, enabled FROM ${s}.webhooks WHERE account_id = $1 AND id = ANY($2::text[]) FOR SHARE`,
    [toDb(accountId), webhookIds.map(toDb)],
  );
  const enabled = new Map(rows.map((r) => [r.id, r.enabled]));
  const out = new Map<string, RefusedDelivery["reason"]>();
  for (const id of webhookIds) {
    const state = enabled.get(toDb(id));
    if (state !== true) out.set(id, state === undefined ? "deleted" : "disabled");
  }
  return out;
}

/** addDeliveries' transaction. */
async function addToEvent(
  ctx: PgContext,
  tx: Queryable,
  call: { accountId: string; eventId: string; deliveries: DeliveryRecord[]; options?: PublishOptions },
): Promise<AddDeliveriesResult> {
  const { s } = ctx;
  const { accountId, eventId, deliveries } = call;
  // FOR UPDATE: retention cannot remove the event meanwhile, and two replays of one event take
  // positions one after the other.
  const [event] = await tx.run<{ last: number | null }>(
    `SELECT (SELECT max(position) FROM ${s}.deliveries d WHERE d.account_id = e.account_id AND d.event_id = e.id)
       AS last FROM ${s}.events e WHERE e.account_id = $1 AND e.id = $2 FOR UPDATE OF e`,
    [toDb(accountId), toDb(eventId)],
  );
  if (!event) return { kind: "missing" };
  const reasons = await refusals(tx, s, accountId, [...new Set(deliveries.map((d) => d.webhook_id))]);
  const added = deliveries.filter((d) => !reasons.has(d.webhook_id));
  const refused = deliveries.flatMap((d): RefusedDelivery[] => {
    const reason = reasons.get(d.webhook_id);
    return reason ? [{ delivery_id: d.id, webhook_id: d.webhook_id, reason }] : [];
  });
  const first = Number(event.last ?? -1) + 1;
  const leases = added.length > 0 ? await insertDeliveries(ctx, tx, added, first, call.options?.lease) : [];
  return { kind: "added", deliveries: added, refused, leases };
}

/**
 * Inserts pending deliveries at positions from `first` on, due at next_attempt_at; with `lease`, the
 * first `lease.max` of them due by the store's clock are leased to its owner (token 1), as publish
 * does (./publish-statement.ts). Answers those leases.
 */
async function insertDeliveries(
  ctx: PgContext,
  tx: Queryable,
  deliveries: DeliveryRecord[],
  first: number,
  lease: PublishOptions["lease"],
): Promise<Lease[]> {
  const { s } = ctx;
  const columns: unknown[][] = Array.from({ length: 14 }, () => []);
  for (const [i, d] of deliveries.entries()) {
    for (const [c, value] of deliveryParams(d, first + i).entries()) columns[c]?.push(value);
  }
  const rows = await tx.run<{ id: string; lease_seq: string; lease_expires_at: string | null; now: string }>(
    `WITH clock AS (SELECT ${CLOCK_SQL} AS ms),
     src AS (SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[],
         $8::text[], $9::int[], $10::int8[], $11::int8[], $12::int8[], $13::int8[], $14::int[], $15::text[])
       WITH ORDINALITY AS d(id, account_id, event_id, event_type, webhook_id, position, status, attempts, next_at,
         created_at, updated_at, last_attempt_at, last_status_code, last_error, ord)),
     chosen AS (
       SELECT src.*, GREATEST(clock.ms, src.next_at) + $17::int8 AS lease_end,
         ($16::text IS NOT NULL AND src.next_at <= clock.ms AND
          sum((src.next_at <= clock.ms)::int) OVER (ORDER BY ord) <= $18::int) AS leased
       FROM src CROSS JOIN clock)
     INSERT INTO ${s}.deliveries (id, account_id, event_id, event_type, webhook_id, position, status, attempts,
       next_attempt_at, created_at, updated_at, last_attempt_at, last_status_code, last_error, due_at,
       lease_owner, lease_seq, lease_expires_at)
     SELECT id, account_id, event_id, event_type, webhook_id, position, status, attempts, next_at, created_at,
       updated_at, last_attempt_at, last_status_code, last_error,
       CASE WHEN leased THEN lease_end ELSE next_at END, CASE WHEN leased THEN $16::text END,
       CASE WHEN leased THEN 1 ELSE 0 END, CASE WHEN leased THEN lease_end END
     FROM chosen
     RETURNING id, lease_seq, lease_expires_at, (SELECT ms FROM clock) AS now`,
    [ctx.clock(), ...columns, lease?.owner ?? null, lease?.leaseMs ?? 0, lease?.max ?? 0],
  );
  const byId = new Map(deliveries.map((d) => [toDb(d.id), d]));
  return rows.flatMap((r): Lease[] => {
    const delivery = byId.get(r.id);
    if (!delivery || Number(r.lease_seq) === 0 || r.lease_expires_at === null) return [];
    return [
      { delivery, token: Number(r.lease_seq), expiresInMs: Number(r.lease_expires_at) - Number(r.now) },
    ];
  });
}

export function eventsRepository(ctx: PgContext, writes: WriteBatch): EventRepository {
  const { client, s } = ctx;

  function publish(items: PublishItem[], options?: PublishOptions): Promise<PublishResult[]> {
    if (items.length === 0) return Promise.resolve([]);
    return writes.publish({ items, options });
  }

  return {
    publish,

    addDeliveries(accountId, eventId, deliveries, options) {
      const foreign = deliveries.find((d) => !isNewDeliveryOf(d, accountId, eventId));
      if (foreign) {
        return Promise.reject(new Error(`addDeliveries: ${foreign.id} is not a new delivery of ${eventId}`));
      }
      return client.transaction((tx) => addToEvent(ctx, tx, { accountId, eventId, deliveries, options }));
    },

    async get(accountId, id) {
      const [row] = await client.run<EventRow>(
        `SELECT * FROM ${s}.events WHERE account_id = $1 AND id = $2`,
        [toDb(accountId), toDb(id)],
      );
      return row && eventOf(row);
    },

    async list(accountId, page) {
      const limit = pageLimit(page.limit);
      const position = page.cursor
        ? decodeCursor(page.cursor, "evt", [accountId], ["number", "string"])
        : undefined;
      const rows = await client.run<EventRow>(
        position === undefined
          ? `SELECT * FROM ${s}.events WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`
          : `SELECT * FROM ${s}.events WHERE account_id = $1 AND (created_at, id) < ($3::int8, $4::text)
             ORDER BY created_at DESC, id DESC LIMIT $2`,
        position === undefined
          ? [toDb(accountId), limit + 1]
          : [toDb(accountId), limit + 1, position[0], toDb(position[1] as string)],
      );
      return pageOf(rows.map(eventOf), limit, (last: EventRecord) =>
        encodeCursor("evt", [accountId], [last.created_at, last.id]),
      );
    },
  };
}
