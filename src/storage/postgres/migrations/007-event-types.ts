// Schema version 7: the operator's event types (issue 11 item 4). schema and example are JSON text
// as JSON.stringify wrote it (as events' data, see 001), which PostgreSQL text always holds.
// Idempotent (IF NOT EXISTS).

import type { Migration } from "../migrations";

export const eventTypes: Migration = {
  version: 7,
  description: "operator-defined event types (issue 11 item 4)",
  statements: (s) => [
    `CREATE TABLE IF NOT EXISTS ${s}.event_types (
       name text PRIMARY KEY,
       description text NOT NULL,
       schema text NOT NULL,
       example text,
       archived_at int8,
       revision int8 NOT NULL,
       created_at int8 NOT NULL,
       updated_at int8 NOT NULL)`,
  ],
};
