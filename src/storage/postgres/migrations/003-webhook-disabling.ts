// Schema version 3: why and when a webhook was disabled (issue 10 item 2). Both columns are null
// for every existing row, so adding them rewrites nothing; a disabled row with a null reason was
// disabled by hand before reasons were kept, and reads as "manual" (webhooks-service.ts).

import type { Migration } from "../migrations";

export const webhookDisabling: Migration = {
  version: 3,
  description: "disabled_reason and disabled_at on webhooks (issue 10 item 2)",
  statements: (s) => [
    `ALTER TABLE ${s}.webhooks ADD COLUMN IF NOT EXISTS disabled_reason text DEFAULT NULL`,
    `ALTER TABLE ${s}.webhooks ADD COLUMN IF NOT EXISTS disabled_at int8 DEFAULT NULL`,
  ],
};
