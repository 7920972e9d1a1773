// Schema version 6: named, scoped, expiring API keys (issue 11 item 5). Existing keys keep both
// scopes (the column default), no name, no expiry; last_used_at is written by the key-usage
// flusher at most once a minute per key (src/domain/key-usage.ts). Idempotent (IF NOT EXISTS).

import type { Migration } from "../migrations";

export const keyScopes: Migration = {
  version: 6,
  description: "named, scoped, expiring API keys (issue 11 item 5)",
  statements: (s) => [
    `ALTER TABLE ${s}.api_keys ADD COLUMN IF NOT EXISTS name text,
       ADD COLUMN IF NOT EXISTS scopes text[] NOT NULL DEFAULT '{publish,manage}',
       ADD COLUMN IF NOT EXISTS expires_at int8,
       ADD COLUMN IF NOT EXISTS last_used_at int8`,
  ],
};
