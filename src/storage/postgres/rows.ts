// Rows as PostgreSQL returns them, and the records they hold. Text from outside is escaped on the
// way in and unescaped here (./pg-text.ts); int8 columns arrive as strings.

import type {
  AccountRecord,
  ApiKeyRecord,
  AttemptRecord,
  DeliveryRecord,
  DeliveryStatus,
  DisabledReason,
  ErrorClass,
  EventRecord,
  KeyScope,
  WebhookRecord,
} from "../records";
import { fromDb, fromDbOrNull, int8, int8NotNull, toDb, toDbOrNull } from "./pg-text";

type Int8 = string | number;

export interface AccountRow {
  id: string;
  name: string;
  created_at: Int8;
}

export const accountOf = (r: AccountRow): AccountRecord => ({
  id: fromDb(r.id),
  name: fromDb(r.name),
  created_at: int8NotNull(r.created_at),
});

export interface ApiKeyRow {
  id: string;
  account_id: string;
  hash: string;
  prefix: string;
  created_at: Int8;
  revoked_at: Int8 | null;
  name: string | null;
  scopes: string[];
  expires_at: Int8 | null;
  last_used_at: Int8 | null;
}

export const apiKeyOf = (r: ApiKeyRow): ApiKeyRecord => ({
  id: fromDb(r.id),
  account_id: fromDb(r.account_id),
  hash: fromDb(r.hash),
  prefix: fromDb(r.prefix),
  created_at: int8NotNull(r.created_at),
  revoked_at: int8(r.revoked_at),
  name: fromDbOrNull(r.name),
  // Written only from KEY_SCOPES by this store (and by the migration's default).
  scopes: r.scopes as KeyScope[],
  expires_at: int8(r.expires_at),
  last_used_at: int8(r.last_used_at),
});

export interface WebhookRow {
  id: string;
  account_id: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  secret: string;
  /** Null with previous_secret_expires_at: no previous secret (schema version 2). */
  previous_secret: string | null;
  previous_secret_expires_at: Int8 | null;
  /** Null while enabled, and in rows disabled before schema version 3. */
  disabled_reason: string | null;
  disabled_at: Int8 | null;
  /** Schema version 8: JSON text of the custom headers, null for none (as are the next two). */
  headers: string | null;
  rate_limit: number | null;
  channels: string[] | null;
  created_at: Int8;
  updated_at: Int8;
}

export function webhookOf(r: WebhookRow): WebhookRecord {
  const webhook: WebhookRecord = {
    id: fromDb(r.id),
    account_id: fromDb(r.account_id),
    url: fromDb(r.url),
    events: r.events.map(fromDb),
    description: fromDbOrNull(r.description),
    enabled: r.enabled,
    secret: fromDb(r.secret),
    created_at: int8NotNull(r.created_at),
    updated_at: int8NotNull(r.updated_at),
  };
  // Null columns stay absent, as in records stored before disabling was tracked (both read as null).
  if (r.disabled_reason !== null) webhook.disabled_reason = fromDb(r.disabled_reason) as DisabledReason;
  if (r.disabled_at !== null) webhook.disabled_at = int8NotNull(r.disabled_at);
  if (r.previous_secret !== null && r.previous_secret_expires_at !== null) {
    webhook.previous_secret = {
      secret: fromDb(r.previous_secret),
      expires_at: int8NotNull(r.previous_secret_expires_at),
    };
  }
  return withControls(webhook, r);
}

/** The webhook's controls (schema version 8); null and empty columns stay absent, as in older records. */
function withControls(webhook: WebhookRecord, r: WebhookRow): WebhookRecord {
  if (r.headers !== null) {
    const headers = JSON.parse(r.headers) as Record<string, string>;
    if (Object.keys(headers).length > 0) webhook.headers = headers;
  }
  if (r.rate_limit !== null) webhook.rate_limit = r.rate_limit;
  if (r.channels !== null && r.channels.length > 0) webhook.channels = r.channels;
  return webhook;
}

/** The webhook's control columns as update() and create() write them: headers, rate_limit, channels. */
export function webhookControlParams(w: WebhookRecord): unknown[] {
  const headers = w.headers && Object.keys(w.headers).length > 0 ? JSON.stringify(w.headers) : null;
  const channels = w.channels && w.channels.length > 0 ? w.channels : null;
  return [headers, w.rate_limit ?? null, channels];
}

export interface EventRow {
  account_id: string;
  id: string;
  type: string;
  created_at: Int8;
  data: string | null;
  /** Schema version 8; null when none (absent from a query that did not select it). */
  channels?: string[] | null;
}

export function eventOf(r: EventRow): EventRecord {
  const event: EventRecord = {
    id: fromDb(r.id),
    account_id: fromDb(r.account_id),
    type: fromDb(r.type),
    created_at: int8NotNull(r.created_at),
    data: undefined,
  };
  // JSON text of the data as JSON.stringify wrote it; absent when the data was undefined.
  if (r.data !== null) event.data = JSON.parse(r.data);
  else delete event.data;
  if (r.channels && r.channels.length > 0) event.channels = r.channels;
  return event;
}

/** An event's channels column (migration 008): null when it has none. */
export function channelsOrNull(channels: readonly string[] | undefined): string[] | null {
  return channels && channels.length > 0 ? [...channels] : null;
}

/** The JSON text stored for an event's data (see migration 001). */
export function dataText(data: unknown): string | null {
  return JSON.stringify(data) ?? null;
}

export const DELIVERY_COLUMNS = `id, account_id, event_id, event_type, webhook_id, status, attempts,
  next_attempt_at, created_at, updated_at, last_attempt_at, last_status_code, last_error, retry_base`;

export interface DeliveryRow {
  id: string;
  account_id: string;
  event_id: string;
  event_type: string;
  webhook_id: string;
  status: string;
  attempts: number;
  next_attempt_at: Int8 | null;
  created_at: Int8;
  updated_at: Int8;
  last_attempt_at: Int8 | null;
  last_status_code: number | null;
  last_error: string | null;
  /** Schema version 4; 0 when never recovered (absent or null from a query that did not select it). */
  retry_base?: number | null;
}

export function deliveryOf(r: DeliveryRow): DeliveryRecord {
  const delivery: DeliveryRecord = {
    id: fromDb(r.id),
    account_id: fromDb(r.account_id),
    event_id: fromDb(r.event_id),
    event_type: fromDb(r.event_type),
    webhook_id: fromDb(r.webhook_id),
    status: r.status as DeliveryStatus,
    attempts: r.attempts,
    next_attempt_at: int8(r.next_attempt_at),
    created_at: int8NotNull(r.created_at),
    updated_at: int8NotNull(r.updated_at),
    last_attempt_at: int8(r.last_attempt_at),
    last_status_code: r.last_status_code,
    last_error: fromDbOrNull(r.last_error),
  };
  // As the LMDB store answers it: set only once recovered with attempts behind it.
  if (r.retry_base != null && r.retry_base > 0) delivery.retry_base = r.retry_base;
  return delivery;
}

export const ATTEMPT_COLUMNS = `id, account_id, webhook_id, delivery_id, event_id, event_type, attempt,
  started_at, duration_ms, outcome, status_code, error_class, error_message, response_body, test`;

export interface AttemptRow {
  id: string;
  account_id: string;
  webhook_id: string;
  delivery_id: string | null;
  event_id: string;
  event_type: string;
  attempt: number;
  started_at: Int8;
  duration_ms: Int8;
  outcome: string;
  status_code: number | null;
  error_class: string | null;
  error_message: string | null;
  response_body: string | null;
  test: boolean;
}

export const attemptOf = (r: AttemptRow): AttemptRecord => ({
  id: fromDb(r.id),
  account_id: fromDb(r.account_id),
  webhook_id: fromDb(r.webhook_id),
  delivery_id: fromDbOrNull(r.delivery_id),
  event_id: fromDb(r.event_id),
  event_type: fromDb(r.event_type),
  attempt: r.attempt,
  started_at: int8NotNull(r.started_at),
  duration_ms: int8NotNull(r.duration_ms),
  outcome: r.outcome as AttemptRecord["outcome"],
  status_code: r.status_code,
  error_class: r.error_class as ErrorClass | null,
  error_message: fromDbOrNull(r.error_message),
  response_body: fromDbOrNull(r.response_body),
  test: r.test,
});

/** A delivery's stored columns as statement parameters, in table order (id … last_error); `position`
 *  is its place among its event's deliveries. Shared by publish and the LMDB import. */
export const deliveryParams = (d: DeliveryRecord, position: number): unknown[] => [
  toDb(d.id),
  toDb(d.account_id),
  toDb(d.event_id),
  toDb(d.event_type),
  toDb(d.webhook_id),
  position,
  d.status,
  d.attempts,
  d.next_attempt_at,
  d.created_at,
  d.updated_at,
  d.last_attempt_at,
  d.last_status_code,
  toDbOrNull(d.last_error),
];

/** An attempt's columns as statement parameters, in table order. Shared by test sends and the import. */
export const attemptParams = (a: AttemptRecord): unknown[] => [
  toDb(a.id),
  toDb(a.account_id),
  toDb(a.webhook_id),
  toDbOrNull(a.delivery_id),
  toDb(a.event_id),
  toDb(a.event_type),
  a.attempt,
  a.started_at,
  a.duration_ms,
  a.outcome,
  a.status_code,
  a.error_class,
  toDbOrNull(a.error_message),
  toDbOrNull(a.response_body),
  a.test,
];
