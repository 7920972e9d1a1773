// The compact values of the hot records (schema version 3): JSON arrays by position, without the
// property names and without what the key already holds, with the account as its number
// (./account-numbers.ts) and later times as offsets from the record's creation. JSON still, so lmdb
// decodes them natively (./lmdb-databases.ts says why JSON); each decode builds the plain record
// with its properties in the order of ../records.ts.
//
// Layouts (keys in ./lmdb-databases.ts):
//   event    [type, data, deliveryIds]            or [..., test] when the record has `test`;
//            with channels (issue 11) [..., channels] or [..., channels, test]: the fourth element
//            is an array exactly when the event has channels, so an event without them takes no
//            byte more and older values decode unchanged
//   delivery [account, event_id, event_type, webhook_id, status, attempts, next_attempt_at,
//             created_at, updated_at - created_at, last_attempt_at - created_at | null,
//             last_status_code, last_error, [[started_at - created_at, attemptId], ...]]
//            or [..., retry_base] when retry_base is above 0 (schema 4; absent means 0, so
//            version 3 values decode unchanged and a never-recovered delivery takes no byte more)
//   attempt  [delivery_id, event_id, event_type, attempt, duration_ms, succeeded (1 | 0),
//             status_code, error_class, error_message, response_body, test (1 | 0)]

import type { AttemptRecord, DeliveryRecord, DeliveryStatus, ErrorClass, EventRecord } from "../records";

/** An event as stored: the record and the ids of the deliveries created with it. */
export interface StoredEvent {
  event: EventRecord;
  deliveries: string[];
}

/** A delivery as stored: the record and the keys ([started_at, attemptId]) of its attempts so far. */
export interface StoredDelivery {
  delivery: DeliveryRecord;
  attempts: Array<[number, string]>;
}

export type EventValue =
  | [string, unknown, string[]]
  | [string, unknown, string[], boolean]
  | [string, unknown, string[], string[]]
  | [string, unknown, string[], string[], boolean];

type DeliveryValue = [
  number,
  string,
  string,
  string,
  number,
  number,
  number | null,
  number,
  number,
  number | null,
  number | null,
  string | null,
  Array<[number, string]>,
  number?,
];

type AttemptValue = [
  string | null,
  string,
  string,
  number,
  number,
  0 | 1,
  number | null,
  ErrorClass | null,
  string | null,
  string | null,
  0 | 1,
];

const STATUSES: readonly DeliveryStatus[] = ["pending", "succeeded", "failed", "cancelled"];
export const STATUS_CODES: Record<DeliveryStatus, number> = {
  pending: 0,
  succeeded: 1,
  failed: 2,
  cancelled: 3,
};

export function encodeEvent(stored: StoredEvent): EventValue {
  const { event } = stored;
  if (event.channels !== undefined && event.channels.length > 0) {
    return event.test === undefined
      ? [event.type, event.data, stored.deliveries, event.channels]
      : [event.type, event.data, stored.deliveries, event.channels, event.test];
  }
  return event.test === undefined
    ? [event.type, event.data, stored.deliveries]
    : [event.type, event.data, stored.deliveries, event.test];
}

/** The event stored under [account, created_at, id] with `value`. */
export function decodeEvent(accountId: string, createdAt: number, id: string, value: unknown): StoredEvent {
  const v = value as EventValue;
  const event: EventRecord = { id, account_id: accountId, type: v[0], created_at: createdAt, data: v[1] };
  const fourth = v[3];
  if (Array.isArray(fourth)) {
    if (v[4] !== undefined) event.test = v[4];
    event.channels = fourth;
  } else if (fourth !== undefined) event.test = fourth;
  return { event, deliveries: v[2] };
}

export function encodeDelivery(stored: StoredDelivery, accountNumber: number): DeliveryValue {
  const d = stored.delivery;
  const c = d.created_at;
  const value: DeliveryValue = [
    accountNumber,
    d.event_id,
    d.event_type,
    d.webhook_id,
    STATUS_CODES[d.status],
    d.attempts,
    d.next_attempt_at,
    c,
    d.updated_at - c,
    d.last_attempt_at === null ? null : d.last_attempt_at - c,
    d.last_status_code,
    d.last_error,
    stored.attempts.map(([t, attemptId]) => [t - c, attemptId]),
  ];
  if (d.retry_base !== undefined && d.retry_base > 0) value.push(d.retry_base);
  return value;
}

/** What a delivery value says of its status, webhook and creation, without decoding the rest. */
export function deliveryIndexFields(value: unknown): {
  status: number;
  webhookId: string;
  createdAt: number;
} {
  const v = value as DeliveryValue;
  return { status: v[4], webhookId: v[3], createdAt: v[7] };
}

/** The delivery stored under `id` with `value`; `accountOf` names an account number. */
export function decodeDelivery(id: string, value: unknown, accountOf: (n: number) => string): StoredDelivery {
  const v = value as DeliveryValue;
  const c = v[7];
  const status = STATUSES[v[4]];
  if (status === undefined) throw new Error(`delivery ${id} has an unknown status code ${v[4]}`);
  const stored: StoredDelivery = {
    delivery: {
      id,
      account_id: accountOf(v[0]),
      event_id: v[1],
      event_type: v[2],
      webhook_id: v[3],
      status,
      attempts: v[5],
      next_attempt_at: v[6],
      created_at: c,
      updated_at: c + v[8],
      last_attempt_at: v[9] === null ? null : c + v[9],
      last_status_code: v[10],
      last_error: v[11],
    },
    attempts: v[12].map(([t, attemptId]) => [c + t, attemptId]),
  };
  const retryBase = v[13];
  if (retryBase !== undefined && retryBase > 0) stored.delivery.retry_base = retryBase;
  return stored;
}

export function encodeAttempt(a: AttemptRecord): AttemptValue {
  return [
    a.delivery_id,
    a.event_id,
    a.event_type,
    a.attempt,
    a.duration_ms,
    a.outcome === "succeeded" ? 1 : 0,
    a.status_code,
    a.error_class,
    a.error_message,
    a.response_body,
    a.test ? 1 : 0,
  ];
}

/** The attempt stored under [account, webhook, started_at, id] with `value`. */
export function decodeAttempt(
  accountId: string,
  webhookId: string,
  startedAt: number,
  id: string,
  value: unknown,
): AttemptRecord {
  const v = value as AttemptValue;
  return {
    id,
    account_id: accountId,
    webhook_id: webhookId,
    delivery_id: v[0],
    event_id: v[1],
    event_type: v[2],
    attempt: v[3],
    started_at: startedAt,
    duration_ms: v[4],
    outcome: v[5] === 1 ? "succeeded" : "failed",
    status_code: v[6],
    error_class: v[7],
    error_message: v[8],
    response_body: v[9],
    test: v[10] === 1,
  };
}
