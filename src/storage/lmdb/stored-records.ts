// Reading and writing the hot records in their compact values (./record-codecs.ts), at the keys of
// ./lmdb-databases.ts. Everything outside src/storage/lmdb sees only the plain records.

import type { AttemptRecord, DeliveryRecord, EventRecord } from "../records";
import { accountKeyPart, accountOfKeyPart } from "./account-numbers";
import { findEvent, placeEvent } from "./event-locations";
import { type Databases, RoomToGrow } from "./lmdb-databases";
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
  const found = findEvent(dbs, accountKeyPart(n), id);
  return found && decodeEvent(accountId, found.key[1], id, found.value);
}

export function readEvent(dbs: Databases, accountId: string, id: string): EventRecord | undefined {
  return readStoredEvent(dbs, accountId, id)?.event;
}

/** The event stored under `key` ([account, created_at, id]) with `value`. */
export function eventAt(dbs: Databases, key: unknown, value: unknown): StoredEvent {
  const [account, createdAt, id] = key as [string, number, string];
  return decodeEvent(dbs.accountNumbers.idOf(accountOfKeyPart(account)), createdAt, id, value);
}

/** Writes a new event; runs inside a write transaction. */
export function writeEvent(dbs: Databases, stored: StoredEvent): void {
  const { event } = stored;
  const n = dbs.accountNumbers.numberFor(event.account_id);
  dbs.events.putSync(placeEvent(dbs, accountKeyPart(n), event.id, event.created_at), encodeEvent(stored));
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

/**
 * Room a new pending delivery keeps for its first attempt (see RoomToGrow): about what a successful
 * one adds (its [started_at, id] key, the status code and times), measured on the benchmark's records.
 */
export const NEW_DELIVERY_SPARE_BYTES = 40;

/** Writes a delivery; `spare` bytes of room to grow in place (RoomToGrow) when it is new and pending. */
export function writeDelivery(dbs: Databases, stored: StoredDelivery, spare = 0): void {
  const n = dbs.accountNumbers.numberFor(stored.delivery.account_id);
  const value = encodeDelivery(stored, n);
  dbs.deliveries.putSync(stored.delivery.id, spare > 0 ? new RoomToGrow(value, spare) : value);
}

/** Replaces a delivery's record, keeping its attempt keys. */
export function rewriteDelivery(dbs: Databases, stored: StoredDelivery, delivery: DeliveryRecord): void {
  writeDelivery(dbs, { delivery, attempts: stored.attempts });
}

/** Where an attempt is stored, for an account that has a number. */
export function attemptKey(accountNumber: number, attempt: AttemptRecord): [string, string, number, string] {
  return [accountKeyPart(accountNumber), attempt.webhook_id, attempt.started_at, attempt.id];
}

/** Writes an attempt; runs inside a write transaction (its delivery records its key). */
export function writeAttempt(dbs: Databases, attempt: AttemptRecord): void {
  const n = dbs.accountNumbers.numberFor(attempt.account_id);
  dbs.attempts.putSync(attemptKey(n, attempt), encodeAttempt(attempt));
}

/** The attempt stored under `key` ([account, webhookId, started_at, id]) with `value`. */
export function attemptAt(dbs: Databases, key: unknown, value: unknown): AttemptRecord {
  const [account, webhookId, startedAt, id] = key as [string, string, number, string];
  return decodeAttempt(dbs.accountNumbers.idOf(accountOfKeyPart(account)), webhookId, startedAt, id, value);
}
