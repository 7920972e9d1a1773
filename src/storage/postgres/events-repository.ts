// Events and their fan-out: a publish is one statement (./publish-statement.ts), atomic on its
// own. Ids repeated inside a batch are answered from their first occurrence, as in LMDB; ids that
// were already stored (or stored by another replica at the same moment) are read back after the
// commit, because the publishing statement's snapshot cannot see them.

import { decodeCursor, encodeCursor, pageLimit, pageOf } from "../cursor";
import type { DeliveryRecord, EventRecord } from "../records";
import type { EventRepository, Lease, PublishItem, PublishOptions, PublishResult } from "../store";
import type { PgContext } from "./pg-context";
import { toDb, toDbOrNull } from "./pg-text";
import { type PublishRow, publishStatement } from "./publish-statement";
import { type DeliveryRow, dataText, deliveryOf, type EventRow, eventOf } from "./rows";

const eventKey = (accountId: string, id: string) => `${accountId}\u0000${id}`;

/** The publish statement's parameters $2..$20 for the items. */
function publishParams(items: PublishItem[]): unknown[] {
  const ev: unknown[][] = [[], [], [], [], []];
  const dl: unknown[][] = Array.from({ length: 14 }, () => []);
  for (const { event, deliveries } of items) {
    ev[0]?.push(toDb(event.account_id));
    ev[1]?.push(toDb(event.id));
    ev[2]?.push(toDb(event.type));
    ev[3]?.push(event.created_at);
    ev[4]?.push(dataText(event.data));
    for (const [position, d] of deliveries.entries()) {
      const values = [
        toDb(d.id),
        toDb(d.account_id),
        toDb(d.event_id),
        toDb(d.event_type),
        toDb(d.webhook_id),
        position,
        d.status,
        d.attempts,
        d.next_attempt_at,
        d.created_at,
        d.updated_at,
        d.last_attempt_at,
        d.last_status_code,
        toDbOrNull(d.last_error),
      ];
      for (const [i, value] of values.entries()) dl[i]?.push(value);
    }
  }
  return [...ev, ...dl];
}

interface StoredDelivery {
  status: string;
  token: number;
  ends: number;
  now: number;
}

function createdResult(item: PublishItem, stored: Map<string, StoredDelivery>): PublishResult {
  const leases: Lease[] = [];
  const deliveries = item.deliveries.map((d): DeliveryRecord => {
    const row = stored.get(toDb(d.id));
    if (row?.status === "cancelled" && d.status !== "cancelled") {
      return { ...d, status: "cancelled", next_attempt_at: null };
    }
    if (row && row.token > 0) leases.push({ delivery: d, token: row.token, expiresInMs: row.ends - row.now });
    return d;
  });
  return { event: item.event, created: true, deliveries, leases };
}

/** Each item's first occurrence in the batch by (account, event id): repeats are answered from it. */
function firstOccurrences(items: PublishItem[]): Map<PublishItem, PublishItem> {
  const byKey = new Map<string, PublishItem>();
  const out = new Map<PublishItem, PublishItem>();
  for (const it of items) {
    const key = eventKey(it.event.account_id, it.event.id);
    const first = byKey.get(key) ?? it;
    byKey.set(key, first);
    out.set(it, first);
  }
  return out;
}

function readPublishRows(rows: PublishRow[]) {
  const created = new Set<string>();
  const stored = new Map<string, StoredDelivery>();
  for (const r of rows) {
    if (r.kind === "e") created.add(eventKey(r.a, r.b));
    else stored.set(r.a, { status: r.b, token: Number(r.token), ends: Number(r.ends), now: Number(r.now) });
  }
  return { created, stored };
}

/** An id that was not created and cannot be read back (retention removed it meanwhile). */
const notStored = (it: PublishItem): PublishResult => ({
  event: it.event,
  created: false,
  deliveries: [],
  leases: [],
});

export function eventsRepository(ctx: PgContext): EventRepository {
  const { client, s } = ctx;
  const statement = publishStatement(s);

  /** Stored events and their deliveries, read after the publish for ids it did not create. */
  async function readExisting(items: PublishItem[]): Promise<Map<string, PublishResult>> {
    const accounts = items.map((it) => toDb(it.event.account_id));
    const ids = items.map((it) => toDb(it.event.id));
    const [events, deliveries] = await Promise.all([
      client.run<EventRow>(
        `SELECT e.* FROM ${s}.events e JOIN unnest($1::text[], $2::text[]) k(a, i)
           ON e.account_id = k.a AND e.id = k.i`,
        [accounts, ids],
      ),
      client.run<DeliveryRow>(
        `SELECT d.* FROM ${s}.deliveries d JOIN unnest($1::text[], $2::text[]) k(a, i)
           ON d.account_id = k.a AND d.event_id = k.i ORDER BY d.account_id, d.event_id, d.position`,
        [accounts, ids],
      ),
    ]);
    const out = new Map<string, PublishResult>();
    for (const row of events) {
      const event = eventOf(row);
      out.set(eventKey(event.account_id, event.id), { event, created: false, deliveries: [], leases: [] });
    }
    for (const row of deliveries) {
      const d = deliveryOf(row);
      out.get(eventKey(d.account_id, d.event_id))?.deliveries.push(d);
    }
    return out;
  }

  async function publish(items: PublishItem[], options?: PublishOptions): Promise<PublishResult[]> {
    if (items.length === 0) return [];
    const firstOf = firstOccurrences(items);
    const unique = [...new Set(firstOf.values())];
    const lease = options?.lease;
    const rows = await client.run<PublishRow>(statement, [
      ctx.clock(),
      ...publishParams(unique),
      lease?.max ?? 0,
      lease?.owner ?? null,
      lease?.leaseMs ?? 0,
    ]);
    const { created, stored } = readPublishRows(rows);
    const isCreated = (it: PublishItem) =>
      created.has(eventKey(toDb(it.event.account_id), toDb(it.event.id)));
    const missed = unique.filter((it) => !isCreated(it));
    const existing = missed.length > 0 ? await readExisting(missed) : new Map<string, PublishResult>();
    const results = new Map<PublishItem, PublishResult>();
    for (const it of unique) {
      const result = isCreated(it)
        ? createdResult(it, stored)
        : (existing.get(eventKey(it.event.account_id, it.event.id)) ?? notStored(it));
      results.set(it, result);
    }
    return items.map((it) => {
      const first = firstOf.get(it) as PublishItem;
      const result = results.get(first) as PublishResult;
      return first === it ? result : { ...result, created: false, leases: [] };
    });
  }

  return {
    publish,

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
