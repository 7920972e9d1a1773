// Schema version 6: per-webhook attempt rollups and health (issue 10 item 6).
// PLACEHOLDER owned by its helper until filled; the lead removes any left empty.

import type { Migration } from "../migrations";

export const webhookStats: Migration = {
  version: 6,
  description: "per-webhook attempt rollups and health (issue 10 item 6)",
  statements: (_s) => [],
};
