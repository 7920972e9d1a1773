// Raw export of an LMDB store: every stored record of a kind, in key order (decoded from its stored
// value, ../lmdb/record-codecs.ts), as an async iterator
// that reads one page at a time (PAGE_RECORDS_DEFAULT), so memory stays bounded by a page whatever
// the store holds. Each page is a fresh range read that starts after the last key handed out; the
// data directory's lock keeps every other writer out, so the pages add up to the whole store.
//
// Meta entries that describe the LMDB data file itself (its schema version and store id) are left
// out: they mean nothing to another store, which keeps its own.

import type { Database, Key } from "lmdb";
import { type Databases, entryCount } from "../lmdb/lmdb-databases";
import { SCHEMA_VERSION_KEY } from "../lmdb/schema";
import { STORE_ID_META } from "../lmdb/store-marker";
import { attemptAt, deliveryAt, eventAt, readStoredEvent } from "../lmdb/stored-records";
import type { AccountRecord, ApiKeyRecord, EventTypeRecord, WebhookRecord } from "../records";
import type { KindCounts, MetaEntry, PositionedDelivery, RecordKind, RecordOfKind } from "./record-kinds";

export const PAGE_RECORDS_DEFAULT = 1_000;

/** Meta keys of the LMDB data file, not of the application: never exported. */
export const LMDB_ONLY_META: ReadonlySet<string> = new Set([SCHEMA_VERSION_KEY, STORE_ID_META]);

export interface LmdbExport {
  /** Every record of `kind`, in key order. */
  records<K extends RecordKind>(kind: K): AsyncIterable<RecordOfKind[K]>;
  /** How many records of each kind an export hands out. */
  counts(): KindCounts;
}

/** Entries of `db` in key order, one page per range read. */
async function* entriesOf(db: Database, pageRecords: number): AsyncGenerator<{ key: Key; value: unknown }> {
  let after: Key | undefined;
  for (;;) {
    const page: Array<{ key: Key; value: unknown }> = [];
    const range =
      after === undefined
        ? db.getRange({ limit: pageRecords })
        : db.getRange({ start: after, exclusiveStart: true, limit: pageRecords });
    for (const { key, value } of range) page.push({ key, value });
    yield* page;
    if (page.length < pageRecords) return;
    after = (page[page.length - 1] as { key: Key }).key;
  }
}

async function* valuesOf<T>(db: Database, pageRecords: number): AsyncGenerator<T> {
  for await (const { value } of entriesOf(db, pageRecords)) yield value as T;
}

async function* metaOf(dbs: Databases, pageRecords: number): AsyncGenerator<MetaEntry> {
  for await (const { key, value } of entriesOf(dbs.meta, pageRecords)) {
    if (!LMDB_ONLY_META.has(key as string)) yield { key: key as string, value: value as string };
  }
}

async function* eventsOf(dbs: Databases, pageRecords: number) {
  for await (const { key, value } of entriesOf(dbs.events, pageRecords)) yield eventAt(dbs, key, value).event;
}

async function* attemptsOf(dbs: Databases, pageRecords: number) {
  for await (const { key, value } of entriesOf(dbs.attempts, pageRecords)) yield attemptAt(dbs, key, value);
}

/**
 * Deliveries by id, each with its index in its event's list. Ids are time-ordered and an event's
 * deliveries are made together, so consecutive deliveries mostly share an event: the last event's
 * positions are kept. A delivery whose event is gone (none should be) gets position 0.
 */
async function* deliveriesOf(dbs: Databases, pageRecords: number): AsyncGenerator<PositionedDelivery> {
  let eventKey = "";
  let positions = new Map<string, number>();
  for await (const entry of entriesOf(dbs.deliveries, pageRecords)) {
    const { delivery } = deliveryAt(dbs, entry.key as string, entry.value);
    const key = `${delivery.account_id}\u0000${delivery.event_id}`;
    if (key !== eventKey) {
      eventKey = key;
      const ids = readStoredEvent(dbs, delivery.account_id, delivery.event_id)?.deliveries ?? [];
      positions = new Map(ids.map((id, i) => [id, i]));
    }
    yield { delivery, position: positions.get(delivery.id) ?? 0 };
  }
}

function countMeta(dbs: Databases): number {
  let n = 0;
  for (const key of dbs.meta.getKeys()) if (!LMDB_ONLY_META.has(key)) n++;
  return n;
}

export function lmdbExport(dbs: Databases, pageRecords = PAGE_RECORDS_DEFAULT): LmdbExport {
  const iterators: { [K in RecordKind]: () => AsyncIterable<RecordOfKind[K]> } = {
    meta: () => metaOf(dbs, pageRecords),
    accounts: () => valuesOf<AccountRecord>(dbs.accounts, pageRecords),
    api_keys: () => valuesOf<ApiKeyRecord>(dbs.apiKeys, pageRecords),
    event_types: () => valuesOf<EventTypeRecord>(dbs.eventTypes, pageRecords),
    webhooks: () => valuesOf<WebhookRecord>(dbs.webhooks, pageRecords),
    events: () => eventsOf(dbs, pageRecords),
    deliveries: () => deliveriesOf(dbs, pageRecords),
    attempts: () => attemptsOf(dbs, pageRecords),
  };
  return {
    records: (kind) => iterators[kind](),
    // O(1) from LMDB's page statistics, but for meta (a handful of keys).
    counts: () => ({
      meta: countMeta(dbs),
      accounts: entryCount(dbs.accounts),
      api_keys: entryCount(dbs.apiKeys),
      event_types: entryCount(dbs.eventTypes),
      webhooks: entryCount(dbs.webhooks),
      events: entryCount(dbs.events),
      deliveries: entryCount(dbs.deliveries),
      attempts: entryCount(dbs.attempts),
    }),
  };
}
