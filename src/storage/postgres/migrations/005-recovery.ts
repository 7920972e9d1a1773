// Schema version 5: retry_base on deliveries and the index recovery reads (issue 10 item 3).
// PLACEHOLDER owned by its helper until filled; the lead removes any left empty.

import type { Migration } from "../migrations";

export const recovery: Migration = {
  version: 5,
  description: "retry_base on deliveries and the index recovery reads (issue 10 item 3)",
  statements: (_s) => [],
};
