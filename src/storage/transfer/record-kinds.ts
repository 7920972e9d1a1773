// The kinds of record a whole store is made of, in the order a transfer copies them, and the shape
// each takes between a raw export and a raw import (./lmdb-export.ts, ./pg-import.ts). These are
// not part of the Store contract: they move records exactly as stored, past every rule a write
// through the contract applies (ids, fan-out, leases), so only a tool that copies a whole store
// uses them.

import type {
  AccountRecord,
  ApiKeyRecord,
  AttemptRecord,
  DeliveryRecord,
  EventRecord,
  EventTypeRecord,
  WebhookRecord,
} from "../records";

/**
 * Meta first: an interrupted copy already carries the admin key hash and the bootstrapped marker,
 * so a replica started on it by mistake creates no keys of its own.
 */
export const RECORD_KINDS = [
  "meta",
  "accounts",
  "api_keys",
  "event_types",
  "webhooks",
  "events",
  "deliveries",
  "attempts",
] as const;

export type RecordKind = (typeof RECORD_KINDS)[number];

export interface MetaEntry {
  key: string;
  value: string;
}

/** A delivery and its place among its event's deliveries (the order listings show them in). */
export interface PositionedDelivery {
  delivery: DeliveryRecord;
  position: number;
}

export interface RecordOfKind {
  meta: MetaEntry;
  accounts: AccountRecord;
  api_keys: ApiKeyRecord;
  event_types: EventTypeRecord;
  webhooks: WebhookRecord;
  events: EventRecord;
  deliveries: PositionedDelivery;
  attempts: AttemptRecord;
}

export type KindCounts = Record<RecordKind, number>;
