// Schema version 4: recovery (POST /v1/webhooks/{id}/recover, ./recovery.ts). retry_base counts
// the attempts made before a delivery was last recovered (0 for every existing row: a constant
// default, so adding it rewrites nothing). The partial index holds only failed and cancelled
// deliveries (rare in normal operation, so it costs the delivery path nearly nothing) by webhook
// and creation time: a recovery reads its window as one index range.

import type { Migration } from "../migrations";

export const recovery: Migration = {
  version: 4,
  description: "retry_base on deliveries; index of failed and cancelled deliveries by webhook",
  statements: (s) => [
    `ALTER TABLE ${s}.deliveries ADD COLUMN IF NOT EXISTS retry_base int NOT NULL DEFAULT 0`,
    `CREATE INDEX IF NOT EXISTS deliveries_unsuccessful ON ${s}.deliveries (webhook_id, created_at, id)
       WHERE status IN ('failed', 'cancelled')`,
  ],
};
