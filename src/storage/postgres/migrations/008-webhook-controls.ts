// Schema version 8: per-webhook controls and channels (issue 11 items 1-3). A webhook's headers
// are JSON text of an object as JSON.stringify wrote it (text, not jsonb: jsonb would reorder the
// names, and they are shown as given); rate_limit is attempts per second, null for none; channels
// null or empty for none, on webhooks and events alike. Existing rows read as before: no headers,
// no limit, no channels. Idempotent (IF NOT EXISTS).

import type { Migration } from "../migrations";

export const webhookControls: Migration = {
  version: 8,
  description: "webhook headers, rate limit and channels; event channels (issue 11 items 1-3)",
  statements: (s) => [
    `ALTER TABLE ${s}.webhooks ADD COLUMN IF NOT EXISTS headers text,
       ADD COLUMN IF NOT EXISTS rate_limit int,
       ADD COLUMN IF NOT EXISTS channels text[]`,
    `ALTER TABLE ${s}.events ADD COLUMN IF NOT EXISTS channels text[]`,
  ],
};
