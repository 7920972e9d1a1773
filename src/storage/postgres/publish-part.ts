// The publish part of a write batch (./write-batch.ts; statement: ./publish-statement.ts). Ids
// repeated inside a batch are answered from their first occurrence, as in LMDB's shared write
// transaction; ids that were already stored (or stored by another replica at the same moment) are
// read back after the commit, because the publishing statement's snapshot cannot see them.

import type { DeliveryRecord } from "../records";
import type { Lease, PublishItem, PublishOptions, PublishResult } from "../store";
import type { PgContext } from "./pg-context";
import { toDb } from "./pg-text";
import { type BatchItem, publishParams } from "./publish-statement";
import { type DeliveryRow, deliveryOf, type EventRow, eventOf } from "./rows";
import type { WritePart } from "./write-part";
import type { WriteRow } from "./write-rows";

/** One call of publish. */
export interface PublishCall {
  items: PublishItem[];
  options: PublishOptions | undefined;
}

const eventKey = (accountId: string, id: string) => `${accountId}\u0000${id}`;

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

function readPublishRows(rows: WriteRow[]) {
  const created = new Set<string>();
  const stored = new Map<string, StoredDelivery>();
  for (const r of rows) {
    if (r.kind === "e") created.add(eventKey(r.account_id, r.event_id));
    else if (r.kind === "d") {
      stored.set(r.id, {
        status: r.status,
        token: Number(r.lease_seq),
        ends: Number(r.lease_expires_at),
        now: Number(r.now),
      });
    }
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

export function publishPart(ctx: PgContext): WritePart<PublishCall, PublishResult[]> {
  const { client, s } = ctx;

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

  /** Each unique item's result, once the statement has committed. */
  async function resultsOf(unique: BatchItem[], rows: WriteRow[]): Promise<Map<BatchItem, PublishResult>> {
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
    return results;
  }

  return {
    prepare(calls) {
      const all = calls.flatMap((c, call) =>
        c.items.map((item) => ({ item, call, lease: c.options?.lease })),
      );
      const firstOf = firstOccurrences(all);
      const unique = [...new Set(firstOf.values())];
      return {
        params: publishParams(unique),
        async finish(rows) {
          const results = await resultsOf(unique, rows);
          let next = 0;
          return calls.map((c) =>
            c.items.map(() => {
              const b = all[next++] as BatchItem;
              const first = firstOf.get(b) as BatchItem;
              const result = results.get(first) as PublishResult;
              return first === b ? result : { ...result, created: false, leases: [] };
            }),
          );
        },
      };
    },
  };
}
