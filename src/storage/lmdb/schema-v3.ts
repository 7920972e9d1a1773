// Migration to schema version 3: the hot records in compact values (./record-codecs.ts), accounts
// named by number in them (./account-numbers.ts), and events kept in time order by
// [account, created_at, eventId] instead of by id beside a time index (./event-locations.ts).
// Reads the version 2 layout (./schema-v2.ts) a chunk at a time and writes the version 3 one;
// the version 2 tables that are replaced are dropped at the end.

import type { AttemptRecord, DeliveryRecord, EventRecord } from "../records";
import { forEachEntry } from "./key-ranges";
import type { Databases } from "./lmdb-databases";
import { V2_EVENTS_TABLE } from "./schema-v2";
import { writeAttempt, writeDelivery, writeEvent } from "./stored-records";

/** Version 2 tables that version 3 replaces (deliveries keep their table and keys). */
const V2_TABLES = [V2_EVENTS_TABLE, "event_index", "webhook_attempts"];

export function compactHotRecords(dbs: Databases): void {
  // Accounts first, so that their numbers follow their ids; accounts already deleted whose records
  // remain get theirs as their records come.
  forEachEntry(dbs.accounts, (key) => dbs.accountNumbers.assign(key as string));
  forEachEntry(dbs.open(V2_EVENTS_TABLE), (_key, value) => {
    const v2 = value as { event: EventRecord; deliveries: string[] };
    writeEvent(dbs, { event: v2.event, deliveries: v2.deliveries });
  });
  // Same keys, new values: a chunk is read before its entries are rewritten.
  forEachEntry(dbs.deliveries, (_key, value) => {
    const v2 = value as { delivery: DeliveryRecord; attempts: Array<[number, string]> };
    writeDelivery(dbs, { delivery: v2.delivery, attempts: v2.attempts });
  });
  forEachEntry(dbs.open("webhook_attempts"), (_key, value) => writeAttempt(dbs, value as AttemptRecord));
  for (const name of V2_TABLES) dbs.open(name).dropSync();
}
