// Migration to schema version 2: events and deliveries keep their links (version 1 kept them in
// separate indexes), and each attempt is stored once, in its webhook's log. It writes the version 2
// layout, frozen here as it was: values are the plain records in JSON objects, by these keys:
//   events           [accountId, eventId] -> { event, deliveries: deliveryIds }
//   event_index      [accountId, created_at, eventId] -> null (unchanged from version 1)
//   deliveries       deliveryId -> { delivery, attempts: [[started_at, attemptId], ...] }
//   webhook_attempts [accountId, webhookId, started_at, attemptId] -> AttemptRecord

import type { AttemptRecord, DeliveryRecord, EventRecord } from "../records";
import { entriesUnder, forEachEntry } from "./key-ranges";
import type { Databases } from "./lmdb-databases";

/** The table of events in versions 1 and 2 (version 3 keeps them in lmdb-databases' EVENTS_TABLE). */
export const V2_EVENTS_TABLE = "events";

/** Version 1 kept these indexes beside the records; version 2 keeps the links in the records. */
const V1_INDEXES = [
  "event_times",
  "event_deliveries",
  "attempts",
  "attempts_by_delivery",
  "attempts_by_webhook",
];

export function linkRecordsAndMergeAttemptLogs(dbs: Databases): void {
  const events = dbs.open(V2_EVENTS_TABLE);
  const deliveries = dbs.open("deliveries");
  const attemptLog = dbs.open("webhook_attempts");
  const eventDeliveries = dbs.open("event_deliveries");
  const attemptsByDelivery = dbs.open("attempts_by_delivery");
  forEachEntry(events, (key, value) => {
    const [accountId, eventId] = key as [string, string];
    const ids = entriesUnder(eventDeliveries, [accountId, eventId])
      .filter((e) => e.key[1] === eventId)
      .map((e) => e.key[2] as string);
    events.putSync(key, { event: value as EventRecord, deliveries: ids });
  });
  forEachEntry(deliveries, (key, value) => {
    const attempts = entriesUnder(attemptsByDelivery, [key as string]).map(
      (e) => [e.key[1] as number, e.key[2] as string] as [number, string],
    );
    deliveries.putSync(key, { delivery: value as DeliveryRecord, attempts });
  });
  forEachEntry(dbs.open("attempts"), (_key, value) => {
    const a = value as AttemptRecord;
    attemptLog.putSync([a.account_id, a.webhook_id, a.started_at, a.id], a);
  });
  for (const name of V1_INDEXES) dbs.open(name).dropSync();
}
