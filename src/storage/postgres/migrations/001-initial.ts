// Schema version 1: every table of the store. Times are int8 milliseconds since the epoch, as in
// the records. Keys and ordered text use the "C" collation, so listings sort by code unit like the
// LMDB store's keys whatever the database's locale. No foreign keys on the hot tables: publishing
// and retention stay cheap, and deletes are explicit, as in LMDB. Every statement is idempotent
// (IF NOT EXISTS): a database that rejects DDL inside a transaction can still run it again.

import type { Migration } from "../migrations";

const C = 'COLLATE "C"';

export const initial: Migration = {
  version: 1,
  description: "initial schema",
  statements: (s) => [
    `CREATE TABLE IF NOT EXISTS ${s}.meta (key text ${C} PRIMARY KEY, value text NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${s}.accounts (id text ${C} PRIMARY KEY, name text NOT NULL,
       created_at int8 NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${s}.api_keys (id text ${C} PRIMARY KEY, account_id text ${C} NOT NULL,
       hash text ${C} NOT NULL, prefix text NOT NULL, created_at int8 NOT NULL, revoked_at int8)`,
    `CREATE UNIQUE INDEX IF NOT EXISTS api_keys_hash ON ${s}.api_keys (hash)`,
    `CREATE INDEX IF NOT EXISTS api_keys_account ON ${s}.api_keys (account_id, id)`,
    `CREATE TABLE IF NOT EXISTS ${s}.webhooks (id text ${C} PRIMARY KEY, account_id text ${C} NOT NULL,
       url text NOT NULL, events text[] NOT NULL, description text, enabled boolean NOT NULL,
       secret text NOT NULL, created_at int8 NOT NULL, updated_at int8 NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS webhooks_account ON ${s}.webhooks (account_id, id)`,
    // data: the JSON text of the event's data, written by JSON.stringify as the LMDB store writes
    // it (key order kept, numbers exactly as the publisher's after validation); null: undefined.
    `CREATE TABLE IF NOT EXISTS ${s}.events (account_id text ${C} NOT NULL, id text ${C} NOT NULL,
       type text NOT NULL, created_at int8 NOT NULL, data text, PRIMARY KEY (account_id, id))`,
    `CREATE INDEX IF NOT EXISTS events_account_time ON ${s}.events (account_id, created_at, id)`,
    `CREATE INDEX IF NOT EXISTS events_time ON ${s}.events (created_at, account_id, id)`,
    // due_at: next_attempt_at, or the lease's end while leased, so rows in flight leave the front
    // of the due index. lease_seq is the fencing token; lease_owner is null when not leased.
    `CREATE TABLE IF NOT EXISTS ${s}.deliveries (id text ${C} PRIMARY KEY, account_id text ${C} NOT NULL,
       event_id text ${C} NOT NULL, event_type text NOT NULL, webhook_id text ${C} NOT NULL,
       position int NOT NULL, status text NOT NULL, attempts int NOT NULL, next_attempt_at int8,
       created_at int8 NOT NULL, updated_at int8 NOT NULL, last_attempt_at int8, last_status_code int,
       last_error text, due_at int8, lease_owner text, lease_seq int8 NOT NULL DEFAULT 0,
       lease_expires_at int8) WITH (fillfactor = 85)`,
    `CREATE INDEX IF NOT EXISTS deliveries_due ON ${s}.deliveries (due_at, id) WHERE status = 'pending'`,
    `CREATE INDEX IF NOT EXISTS deliveries_event ON ${s}.deliveries (account_id, event_id, position)`,
    `CREATE INDEX IF NOT EXISTS deliveries_webhook_pending ON ${s}.deliveries (webhook_id)
       WHERE status = 'pending'`,
    `CREATE TABLE IF NOT EXISTS ${s}.attempts (id text ${C} PRIMARY KEY, account_id text ${C} NOT NULL,
       webhook_id text ${C} NOT NULL, delivery_id text ${C}, event_id text ${C} NOT NULL,
       event_type text NOT NULL, attempt int NOT NULL, started_at int8 NOT NULL, duration_ms int8 NOT NULL,
       outcome text NOT NULL, status_code int, error_class text, error_message text, response_body text,
       test boolean NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS attempts_webhook_time ON ${s}.attempts (account_id, webhook_id, started_at, id)`,
    `CREATE INDEX IF NOT EXISTS attempts_delivery ON ${s}.attempts (delivery_id, started_at, id)
       WHERE delivery_id IS NOT NULL`,
    `CREATE INDEX IF NOT EXISTS attempts_time ON ${s}.attempts (started_at)`,
  ],
};
