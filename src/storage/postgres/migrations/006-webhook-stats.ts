// Schema version 6: per-webhook attempt rollups and health (issue 10 item 6), written by the record
// statement (../record-statement.ts) with each recorded attempt. Both tables start empty: stats
// begin at the upgrade. webhook_stats holds one row per webhook, hour (STATS_BUCKET_MS), latency bin
// and shard (STATS_SHARDS: the writing connection's) that saw an attempt, with the newest success
// and failure among them; reads sum the shards. webhook_health holds a webhook's failing_since
// (written only when it changes) and the newest success and failure of rollup rows retention has
// deleted (and of its first failure); retention deletes rollup rows by bucket_start
// (webhook_stats_time).

import type { Migration } from "../migrations";

const C = 'COLLATE "C"';

export const webhookStats: Migration = {
  version: 6,
  description: "per-webhook attempt rollups and health (issue 10 item 6)",
  statements: (s) => [
    `CREATE TABLE IF NOT EXISTS ${s}.webhook_stats (webhook_id text ${C} NOT NULL, bucket_start int8 NOT NULL,
       bin int NOT NULL, shard int NOT NULL, succeeded int8 NOT NULL, failed int8 NOT NULL,
       last_success_at int8, last_failure_at int8,
       PRIMARY KEY (webhook_id, bucket_start, bin, shard))`,
    `CREATE INDEX IF NOT EXISTS webhook_stats_time ON ${s}.webhook_stats (bucket_start)`,
    `CREATE TABLE IF NOT EXISTS ${s}.webhook_health (webhook_id text ${C} PRIMARY KEY, failing_since int8,
       last_success_at int8, last_failure_at int8)`,
  ],
};
