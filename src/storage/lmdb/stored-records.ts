// Reading and writing the records kept in envelopes (see StoredEvent and StoredDelivery in
// ./lmdb-databases.ts). Everything outside src/storage/lmdb sees only the plain records.

import type { DeliveryRecord, EventRecord } from "../records";
import type { Databases, StoredDelivery, StoredEvent } from "./lmdb-databases";

export function readStoredEvent(dbs: Databases, accountId: string, id: string): StoredEvent | undefined {
  return dbs.events.get([accountId, id]) as StoredEvent | undefined;
}

export function readEvent(dbs: Databases, accountId: string, id: string): EventRecord | undefined {
  return readStoredEvent(dbs, accountId, id)?.event;
}

export function readStoredDelivery(dbs: Databases, id: string): StoredDelivery | undefined {
  return dbs.deliveries.get(id) as StoredDelivery | undefined;
}

export function readDelivery(dbs: Databases, id: string): DeliveryRecord | undefined {
  return readStoredDelivery(dbs, id)?.delivery;
}

export function writeDelivery(dbs: Databases, stored: StoredDelivery): void {
  dbs.deliveries.putSync(stored.delivery.id, stored);
}

/** Replaces a delivery's record, keeping its attempt keys. */
export function rewriteDelivery(dbs: Databases, stored: StoredDelivery, delivery: DeliveryRecord): void {
  writeDelivery(dbs, { delivery, attempts: stored.attempts });
}
