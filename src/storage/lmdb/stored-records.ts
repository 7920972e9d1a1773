// Reading and writing the hot records in their compact values (./record-codecs.ts), at the keys of
// ./lmdb-databases.ts. Everything outside src/storage/lmdb sees only the plain records.

import type { AttemptRecord, DeliveryRecord, EventRecord } from "../records";
import { findEvent, placeEvent } from "./event-locations";
import type { Databases } from "./lmdb-databases";
import {
  decodeAttempt,
  decodeDelivery,
  decodeEvent,
  encodeAttempt,
  encodeDelivery,
  encodeEvent,
  type StoredDelivery,
  type StoredEvent,
} from "./record-codecs";

export function readStoredEvent(dbs: Databases, accountId: string, id: string): StoredEvent | undefined {
  const n = dbs.accountNumbers.numberOf(accountId);
  if (n === undefined) return undefined;
  const found = findEvent(dbs, n, id);
  return found && decodeEvent(accountId, found.key[1], id, found.value);
}

export function readEvent(dbs: Databases, accountId: string, id: string): EventRecord | undefined {
  return readStoredEvent(dbs, accountId, id)?.event;
}

/** The event stored under `key` ([accountNumber, created_at, id]) with `value`. */
export function eventAt(dbs: Databases, key: unknown, value: unknown): StoredEvent {
  const [n, createdAt, id] = key as [number, number, string];
  return decodeEvent(dbs.accountNumbers.idOf(n), createdAt, id, value);
}

/** Writes a new event; runs inside a write transaction. */
export function writeEvent(dbs: Databases, stored: StoredEvent): void {
  const { event } = stored;
  const n = dbs.accountNumbers.assign(event.account_id);
  dbs.events.putSync(placeEvent(dbs, n, event.id, event.created_at), encodeEvent(stored));
}

export function readStoredDelivery(dbs: Databases, id: string): StoredDelivery | undefined {
  const value = dbs.deliveries.get(id);
  return value === undefined ? undefined : deliveryAt(dbs, id, value);
}

export function readDelivery(dbs: Databases, id: string): DeliveryRecord | undefined {
  return readStoredDelivery(dbs, id)?.delivery;
}

/** The delivery stored under `id` with `value`. */
export function deliveryAt(dbs: Databases, id: string, value: unknown): StoredDelivery {
  return decodeDelivery(id, value, (n) => dbs.accountNumbers.idOf(n));
}

export function writeDelivery(dbs: Databases, stored: StoredDelivery): void {
  const n = dbs.accountNumbers.assign(stored.delivery.account_id);
  dbs.deliveries.putSync(stored.delivery.id, encodeDelivery(stored, n));
}

/** Replaces a delivery's record, keeping its attempt keys. */
export function rewriteDelivery(dbs: Databases, stored: StoredDelivery, delivery: DeliveryRecord): void {
  writeDelivery(dbs, { delivery, attempts: stored.attempts });
}

/** Where an attempt is stored, for an account that has a number. */
export function attemptKey(accountNumber: number, attempt: AttemptRecord): [number, string, number, string] {
  return [accountNumber, attempt.webhook_id, attempt.started_at, attempt.id];
}

/** Writes an attempt; runs inside a write transaction (its delivery records its key). */
export function writeAttempt(dbs: Databases, attempt: AttemptRecord): void {
  const n = dbs.accountNumbers.assign(attempt.account_id);
  dbs.attempts.putSync(attemptKey(n, attempt), encodeAttempt(attempt));
}

/** The attempt stored under `key` ([accountNumber, webhookId, started_at, id]) with `value`. */
export function attemptAt(dbs: Databases, key: unknown, value: unknown): AttemptRecord {
  const [n, webhookId, startedAt, id] = key as [number, string, number, string];
  return decodeAttempt(dbs.accountNumbers.idOf(n), webhookId, startedAt, id, value);
}
