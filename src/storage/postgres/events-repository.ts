// Events and their fan-out. The publish calls of one event-loop turn are written by one statement
// (./publish-statement.ts; group commit, ./group-commit.ts), atomic on its own: a statement costs
// the server far more than a row (one event a statement: about 300 µs of PostgreSQL CPU an event;
// a hundred: under 50), and single-event publishes are the API's common case. Ids repeated inside
// a batch are answered from their first occurrence, as in LMDB's shared write transaction; ids that
// were already stored (or stored by another replica at the same moment) are read back after the
// commit, because the publishing statement's snapshot cannot see them.

import { decodeCursor, encodeCursor, pageLimit, pageOf } from "../cursor";
import type { DeliveryRecord, EventRecord } from "../records";
import type { EventRepository, Lease, PublishItem, PublishOptions, PublishResult } from "../store";
import { GroupCommit } from "./group-commit";
import type { PgContext } from "./pg-context";
import { toDb } from "./pg-text";
import { type PublishRow, publishStatement } from "./publish-statement";
import { type DeliveryRow, dataText, deliveryOf, deliveryParams, type EventRow, eventOf } from "./rows";

const eventKey = (accountId: string, id: string) => `${accountId}\u0000${id}`;

/** One call of publish. */
interface PublishCall {
  items: PublishItem[];
  options: PublishOptions | undefined;
}

/** Events and deliveries of the calls sharing one statement, at most (a bigger call goes alone). */
const BATCH_RECORDS_MAX = 2_000;

/** An item of a publish call, with the call's index in its batch and its lease request. */
interface BatchItem {
  item: PublishItem;
  call: number;
  lease: PublishOptions["lease"];
}

/** The publish statement's parameters $2..$24 for the items. */
function publishParams(items: BatchItem[]): unknown[] {
  const ev: unknown[][] = [[], [], [], [], []];
  const dl: unknown[][] = Array.from({ length: 18 }, () => []);
  for (const { item, call, lease } of items) {
    const { event, deliveries } = item;
    ev[0]?.push(toDb(event.account_id));
    ev[1]?.push(toDb(event.id));
    ev[2]?.push(toDb(event.type));
    ev[3]?.push(event.created_at);
    ev[4]?.push(dataText(event.data));
    for (const [position, d] of deliveries.entries()) {
      const values = [
        ...deliveryParams(d, position),
        call,
        lease?.owner ?? null,
        lease?.leaseMs ?? 0,
        lease?.max ?? 0,
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
function firstOccurrences(items: BatchItem[]): Map<BatchItem, BatchItem> {
  const byKey = new Map<string, BatchItem>();
  const out = new Map<BatchItem, BatchItem>();
  for (const it of items) {
    const key = eventKey(it.item.event.account_id, it.item.event.id);
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

export function eventsRepository(ctx: PgContext): { repository: EventRepository; idle: () => Promise<void> } {
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

  /** Writes the calls of one turn in one statement; answers each call's results. */
  async function writeBatch(calls: PublishCall[]): Promise<PublishResult[][]> {
    const all = calls.flatMap((c, call) => c.items.map((item) => ({ item, call, lease: c.options?.lease })));
    const firstOf = firstOccurrences(all);
    const unique = [...new Set(firstOf.values())];
    const rows = await client.run<PublishRow>(statement, [ctx.clock(), ...publishParams(unique)]);
    const { created, stored } = readPublishRows(rows);
    const isCreated = ({ item }: BatchItem) =>
      created.has(eventKey(toDb(item.event.account_id), toDb(item.event.id)));
    const missed = unique.filter((b) => !isCreated(b)).map((b) => b.item);
    const existing = missed.length > 0 ? await readExisting(missed) : new Map<string, PublishResult>();
    const results = new Map<BatchItem, PublishResult>();
    for (const b of unique) {
      const { event } = b.item;
      const result = isCreated(b)
        ? createdResult(b.item, stored)
        : (existing.get(eventKey(event.account_id, event.id)) ?? notStored(b.item));
      results.set(b, result);
    }
    let next = 0;
    return calls.map((c) =>
      c.items.map(() => {
        const b = all[next++] as BatchItem;
        const first = firstOf.get(b) as BatchItem;
        const result = results.get(first) as PublishResult;
        return first === b ? result : { ...result, created: false, leases: [] };
      }),
    );
  }

  const batcher = new GroupCommit<PublishCall, PublishResult[]>(writeBatch, () => null, {
    of: (c) => c.items.reduce((n, it) => n + 1 + it.deliveries.length, 0),
    max: BATCH_RECORDS_MAX,
  });

  function publish(items: PublishItem[], options?: PublishOptions): Promise<PublishResult[]> {
    if (items.length === 0) return Promise.resolve([]);
    return batcher.run({ items, options });
  }

  const repository: EventRepository = {
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
  return { repository, idle: () => batcher.idle() };
}
