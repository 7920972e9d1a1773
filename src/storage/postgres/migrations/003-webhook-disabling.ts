// Schema version 3: disabled_reason and disabled_at on webhooks (issue 10 item 2).
// PLACEHOLDER owned by its helper until filled; the lead removes any left empty.

import type { Migration } from "../migrations";

export const webhookDisabling: Migration = {
  version: 3,
  description: "disabled_reason and disabled_at on webhooks (issue 10 item 2)",
  statements: (_s) => [],
};
