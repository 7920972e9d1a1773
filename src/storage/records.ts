// The records the store keeps. Plain data: times are milliseconds since the epoch here and become
// RFC 3339 strings only at the HTTP edge. Secrets and key hashes live only in these records and
// never leave the domain layer except where the API says so (a webhook's secret on create).

export interface AccountRecord {
  id: string; // acct_…
  name: string;
  created_at: number;
}

export interface ApiKeyRecord {
  id: string; // key_…
  account_id: string;
  /** Hex SHA-256 of the full key; keys are random 256-bit values, so a fast hash is safe. */
  hash: string;
  /** The first characters of the key (`ik_live_ab12`), safe to show so people can tell keys apart. */
  prefix: string;
  created_at: number;
  revoked_at: number | null;
  /**
   * The fields below are absent in records stored before keys had names, scopes and expiry (issue
   * 11 item 5); every store reads such a record as name null, scopes both, no expiry, never used.
   */
  /** A label chosen by whoever issued the key (1 to 100 characters), or null. */
  name?: string | null;
  /** What the key may do: a non-empty subset of KEY_SCOPES, in KEY_SCOPES order. */
  scopes?: KeyScope[];
  /** When the key stops authenticating (ms), or null for never. */
  expires_at?: number | null;
  /** When it last authenticated a request, as last written (at most once a minute), or null. */
  last_used_at?: number | null;
}

/** `publish`: publish events and read the catalog; `manage`: everything else an account does. */
export const KEY_SCOPES = ["publish", "manage"] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

/** One use of a key for ApiKeyRepository.recordUse: it authenticated a request at `at`. */
export interface KeyUse {
  account_id: string;
  id: string;
  at: number;
}

/**
 * A dashboard session (issue 12). The browser holds only the opaque session id (a random 256-bit
 * value in an HttpOnly cookie); the store keeps its SHA-256 hex, so a copy of the store signs nobody
 * in. A session acts as the key it was opened with and ends with it: on every use the key is checked
 * again (revoked, expired, or a changed admin key end the session).
 */
export interface SessionRecord {
  /** Hex SHA-256 of the session id. */
  id_hash: string;
  /** `admin`: signed in with the admin key; `account`: with an account key or a portal link. */
  kind: "admin" | "account";
  /** The account it acts for (null for admin sessions). */
  account_id: string | null;
  /**
   * Hex SHA-256 of the key signed in with (the admin key's or the account key's, as stored), so
   * that the session ends when that key no longer authenticates; null for portal-link sessions,
   * which end with their account or at their expiry.
   */
  key_hash: string | null;
  /** `key`: signed in by pasting a key; `portal`: opened through a portal link. */
  origin: "key" | "portal";
  /** Scopes the session acts with: the key's (account), both for admin and portal sessions. */
  scopes: KeyScope[];
  /** The synchronizer token every state change must carry (random, base64url). */
  csrf_token: string;
  created_at: number;
  /** Absolute end (created_at + session TTL, or the key's expiry when sooner). */
  expires_at: number;
  /** Last use as written (at most once a minute); idle timeout counts from here. */
  last_seen_at: number;
}

/** A one-time portal link (issue 12): opens a portal session for one account, once, before expiry. */
export interface PortalLinkRecord {
  /** Hex SHA-256 of the link's token (the token itself is only in the URL handed out). */
  token_hash: string;
  account_id: string;
  created_at: number;
  expires_at: number;
}

export interface WebhookRecord {
  id: string; // wh_…
  account_id: string;
  url: string;
  events: string[]; // event types, or ["*"]
  description: string | null;
  enabled: boolean;
  secret: string; // whsec_<base64 of 32 bytes>
  /**
   * The secret before the last rotation, still signing until `expires_at` (ms); absent when the
   * last rotation retired it at once or there was none (records stored before rotation existed).
   * A past `expires_at` means retired: readers compare it with their clock, nothing deletes it.
   */
  previous_secret?: PreviousSecret;
  /**
   * Why the webhook is disabled, while it is: "gone" (its receiver answered 410 Gone), "failing"
   * (every attempt failed for INBOX_DISABLE_AFTER), "manual" (its account set enabled: false).
   * Null while enabled; absent in records stored before disabling was tracked (read as null, or
   * "manual" when such a record is disabled).
   */
  disabled_reason?: DisabledReason | null;
  /** When it was disabled (ms); null while enabled, absent in older records. */
  disabled_at?: number | null;
  /**
   * Headers sent with every attempt (issue 11): at most 20, names RFC 9110 tokens (stored as
   * given), values at most 1 KiB without control characters; none of the reserved names. Absent or
   * empty: none.
   */
  headers?: Record<string, string>;
  /** Attempts per second at most (1 to 10,000); null or absent: no limit. */
  rate_limit?: number | null;
  /**
   * The channels this webhook takes (at most 50): it receives only events of its types that share
   * one of them. Absent or empty: every event of its types.
   */
  channels?: string[];
  created_at: number;
  updated_at: number;
}

export type DisabledReason = "gone" | "failing" | "manual";

export interface PreviousSecret {
  secret: string;
  expires_at: number;
}

/**
 * An event type the operator defined (POST /v1/event-types), beside the built-in ones. Never
 * deleted: archiving stops new publishes and subscriptions while the events of the type stay.
 */
export interface EventTypeRecord {
  /** `[a-z0-9_]+(\.[a-z0-9_]+)+`, unique in the store, never reused once archived. */
  name: string;
  description: string;
  /** A JSON Schema (draft 2020-12) of the events' `data`, as registered. */
  schema: Record<string, unknown>;
  /** An example `data` that fits the schema (test sends use it), or null. */
  example: Record<string, unknown> | null;
  /** When it was archived (ms), or null while it is active. */
  archived_at: number | null;
  /** 1 when created, raised by every update and by archiving: compiled schemas are cached by it. */
  revision: number;
  created_at: number;
  updated_at: number;
}

/** What PUT /v1/event-types/{name} replaces. */
export type EventTypeChange = Pick<EventTypeRecord, "description" | "schema" | "example">;

export interface EventRecord {
  /** The envelope id: the publisher's idempotency key when it gave one, else a generated evt_ id. */
  id: string;
  account_id: string;
  type: string;
  created_at: number;
  data: unknown;
  /** True for the samples sent by POST /webhooks/test; such events have no stored deliveries. */
  test?: boolean;
  /** The channels the publisher gave (at most 10); absent when none. Never part of the envelope. */
  channels?: string[];
}

export type DeliveryStatus = "pending" | "succeeded" | "failed" | "cancelled";

export interface DeliveryRecord {
  id: string; // dlv_…
  account_id: string;
  event_id: string;
  event_type: string;
  webhook_id: string;
  status: DeliveryStatus;
  /** Attempts made so far. */
  attempts: number;
  /** When the next attempt is due (ms), while pending; null once finished. */
  next_attempt_at: number | null;
  created_at: number;
  updated_at: number;
  last_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  /**
   * Attempts made before the delivery was last recovered (POST /v1/webhooks/{id}/recover): the
   * retry schedule counts this delivery's attempts from here, so a recovered delivery gets the
   * whole schedule again while its attempt numbers continue. 0, or absent in records stored before
   * recovery existed, when never recovered.
   */
  retry_base?: number;
}

/** Why an attempt failed, when it did. */
export type ErrorClass =
  | "timeout"
  | "connection_refused"
  | "dns"
  | "tls"
  | "reset"
  | "http_status"
  | "redirect"
  | "ssrf_blocked"
  | "network";

export interface AttemptRecord {
  id: string; // att_…
  account_id: string;
  webhook_id: string;
  delivery_id: string | null; // null for POST /webhooks/test
  event_id: string;
  event_type: string;
  attempt: number; // 1-based
  started_at: number;
  duration_ms: number;
  outcome: "succeeded" | "failed";
  status_code: number | null;
  error_class: ErrorClass | null;
  error_message: string | null;
  /** The first 4 KiB of the response body, decoded as UTF-8 (lossy). */
  response_body: string | null;
  test: boolean;
}

/** One page of a newest-first listing; `next_cursor` is opaque and null on the last page. */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface PageQuery {
  limit: number;
  cursor?: string;
}

export interface AttemptFilter {
  outcome?: "succeeded" | "failed";
  event_type?: string;
  event_id?: string;
  since?: number; // inclusive, ms
  until?: number; // exclusive, ms
}

/**
 * What GET /v1/deliveries filters by. Every filter narrows (AND). Times bound the creation time of
 * the delivery's EVENT (a replayed delivery lists with its event).
 */
export interface DeliveryFilter {
  webhook_id?: string;
  status?: DeliveryStatus;
  event_type?: string;
  event_id?: string;
  since?: number; // inclusive, ms
  until?: number; // exclusive, ms
}

/** Deliveries created (DeliveryRecord.created_at) in [since, until), ms. */
export interface RecoveryWindow {
  since: number;
  until: number;
}

/**
 * A webhook's recent run of outcomes, kept by the store with each recorded attempt (O(1) per
 * attempt). Test sends do not count.
 */
export interface WebhookHealth {
  /** Start of the current run of failed attempts (the first failure after the last success); null
   *  when the last recorded attempt succeeded or none was recorded. */
  failing_since: number | null;
  last_success_at: number | null;
  last_failure_at: number | null;
}

/** One time bucket of a webhook's attempt rollup (test sends do not count). */
export interface StatsBucket {
  /** The bucket's start (ms), a multiple of STATS_BUCKET_MS. */
  start: number;
  attempts: number;
  succeeded: number;
  failed: number;
  /** Attempts per latency bin; bins are the store-independent LATENCY_BINS_MS (stats code). */
  latency: number[];
}

/** A pending attempt as the due-time queue knows it: only an id and when it is due. */
export interface DueEntry {
  delivery_id: string;
  due: number;
}
