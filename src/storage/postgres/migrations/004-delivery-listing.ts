// Schema version 4: indexes for GET /v1/deliveries (issue 10 item 5).
// PLACEHOLDER owned by its helper until filled; the lead removes any left empty.

import type { Migration } from "../migrations";

export const deliveryListing: Migration = {
  version: 4,
  description: "indexes for GET /v1/deliveries (issue 10 item 5)",
  statements: (_s) => [],
};
