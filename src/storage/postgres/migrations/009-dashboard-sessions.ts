// Schema version 9: dashboard sessions and one-time portal links (issue 12). Both are keyed by the
// SHA-256 hex of a random secret the store never sees; the indexes on their end times let the
// purge read only what has ended. No foreign key to accounts: a session of a deleted account is
// refused when used (src/domain/sessions-service.ts) and purged at its expiry. Idempotent.

import type { Migration } from "../migrations";

export const dashboardSessions: Migration = {
  version: 9,
  description: "dashboard sessions and one-time portal links (issue 12)",
  statements: (s) => [
    `CREATE TABLE IF NOT EXISTS ${s}.sessions (
       id_hash text PRIMARY KEY,
       kind text NOT NULL,
       account_id text,
       key_hash text,
       origin text NOT NULL,
       scopes text[] NOT NULL,
       csrf_token text NOT NULL,
       created_at int8 NOT NULL,
       expires_at int8 NOT NULL,
       last_seen_at int8 NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS sessions_expires_at ON ${s}.sessions (expires_at)`,
    `CREATE INDEX IF NOT EXISTS sessions_last_seen_at ON ${s}.sessions (last_seen_at)`,
    `CREATE TABLE IF NOT EXISTS ${s}.portal_links (
       token_hash text PRIMARY KEY,
       account_id text NOT NULL,
       created_at int8 NOT NULL,
       expires_at int8 NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS portal_links_expires_at ON ${s}.portal_links (expires_at)`,
  ],
};
