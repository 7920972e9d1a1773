// Schema version 6: per-webhook attempt rollups and health (issue 10 item 6), written by the record
// statement (../record-statement.ts) with each recorded attempt. Both tables start empty: stats
// begin at the upgrade. webhook_stats holds one row per webhook, hour (STATS_BUCKET_MS) and latency
// bin that saw an attempt (at most LATENCY_BIN_COUNT rows an hour; attempts = succeeded + failed);
// retention deletes rows by bucket_start (webhook_stats_time).

import type { Migration } from "../migrations";

const C = 'COLLATE "C"';

export const webhookStats: Migration = {
  version: 6,
  description: "per-webhook attempt rollups and health (issue 10 item 6)",
  statements: (s) => [
    `CREATE TABLE IF NOT EXISTS ${s}.webhook_stats (webhook_id text ${C} NOT NULL, bucket_start int8 NOT NULL,
       bin int NOT NULL, succeeded int8 NOT NULL, failed int8 NOT NULL,
       PRIMARY KEY (webhook_id, bucket_start, bin))`,
    `CREATE INDEX IF NOT EXISTS webhook_stats_time ON ${s}.webhook_stats (bucket_start)`,
    `CREATE TABLE IF NOT EXISTS ${s}.webhook_health (webhook_id text ${C} PRIMARY KEY, failing_since int8,
       last_success_at int8, last_failure_at int8)`,
  ],
};
