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
  type PublishItem,
  type PublishOptions,
  type PublishResult,
  type RefusedDelivery,
} from "../store";
import type { Queryable } from "./pg-client";
import type { PgContext } from "./pg-context";
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
  tx: Queryable,
  s: string,
  accountId: string,
  eventId: string,
  deliveries: DeliveryRecord[],
): Promise<AddDeliveriesResult> {
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
  if (added.length > 0) await insertDeliveries(tx, s, added, Number(event.last ?? -1) + 1);
  return { kind: "added", deliveries: added, refused };
}

/** Inserts pending deliveries, due at next_attempt_at and unleased, at positions from `first` on. */
async function insertDeliveries(tx: Queryable, s: string, deliveries: DeliveryRecord[], first: number) {
  const columns: unknown[][] = Array.from({ length: 14 }, () => []);
  for (const [i, d] of deliveries.entries()) {
    for (const [c, value] of deliveryParams(d, first + i).entries()) columns[c]?.push(value);
  }
  await tx.run(
    `INSERT INTO ${s}.deliveries (id, account_id, event_id, event_type, webhook_id, position, status, attempts,
       next_attempt_at, created_at, updated_at, last_attempt_at, last_status_code, last_error, due_at)
     SELECT *, next_at FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[],
       $7::text[], $8::int[], $9::int8[], $10::int8[], $11::int8[], $12::int8[], $13::int[], $14::text[])
       AS d(id, account_id, event_id, event_type, webhook_id, position, status, attempts, next_at, created_at,
            updated_at, last_attempt_at, last_status_code, last_error)`,
    columns,
  );
}

export function eventsRepository(ctx: PgContext, writes: WriteBatch): EventRepository {
  const { client, s } = ctx;

  function publish(items: PublishItem[], options?: PublishOptions): Promise<PublishResult[]> {
    if (items.length === 0) return Promise.resolve([]);
    return writes.publish({ items, options });
  }

  return {
    publish,

    addDeliveries(accountId, eventId, deliveries) {
      const foreign = deliveries.find((d) => !isNewDeliveryOf(d, accountId, eventId));
      if (foreign) {
        return Promise.reject(new Error(`addDeliveries: ${foreign.id} is not a new delivery of ${eventId}`));
      }
      return client.transaction((tx) => addToEvent(tx, s, accountId, eventId, deliveries));
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
