// Per-webhook stats reads on PostgreSQL: the rollups the record statement keeps with each recorded
// attempt (./record-statement.ts; tables: ./migrations/005-webhook-stats.ts) and the pending count
// from the deliveries_webhook_pending partial index. A read of buckets reads at most
// LATENCY_BIN_COUNT x STATS_SHARDS rows per hour of the window (summing the shards), whatever the
// webhook's history; pending counts the webhook's own entries in the index.

import type { StatsBucket } from "../records";
import { emptyBucket, NO_HEALTH } from "../stats-rollup";
import type { WebhookStatsRepository } from "../store";
import type { Queryable } from "./pg-client";
import type { PgContext } from "./pg-context";
import { toDb } from "./pg-text";

interface StatsRow {
  bucket_start: string | number;
  bin: number;
  succeeded: string | number;
  failed: string | number;
}

interface HealthRow {
  failing_since: string | number | null;
  last_success_at: string | number | null;
  last_failure_at: string | number | null;
}

/**
 * A webhook's health: failing_since from its health row; each last_* the newer of the health row's
 * (rollups retention deleted) and the newest rollup row's. The newest success or failure is in the
 * newest bucket that has one, so each is read from one bucket's rows (its bins and shards), found
 * walking the webhook's rows from the newest.
 */
const healthQuery = (s: string) => {
  const newest = (column: string) => `(SELECT max(w.${column}) FROM ${s}.webhook_stats w
    WHERE w.webhook_id = $1 AND w.bucket_start = (SELECT n.bucket_start FROM ${s}.webhook_stats n
      WHERE n.webhook_id = $1 AND n.${column} IS NOT NULL ORDER BY n.bucket_start DESC LIMIT 1))`;
  return `SELECT h.failing_since, GREATEST(h.last_success_at, ${newest("last_success_at")}) AS last_success_at,
    GREATEST(h.last_failure_at, ${newest("last_failure_at")}) AS last_failure_at
  FROM (SELECT 1) one LEFT JOIN ${s}.webhook_health h ON h.webhook_id = $1`;
};

const msOrNull = (v: string | number | null) => (v === null ? null : Number(v));

/** Rows in (bucket_start, bin) order folded into buckets, oldest first. */
function bucketsOf(rows: StatsRow[]): StatsBucket[] {
  const out: StatsBucket[] = [];
  for (const row of rows) {
    const start = Number(row.bucket_start);
    let bucket = out.at(-1);
    if (bucket?.start !== start) {
      bucket = emptyBucket(start);
      out.push(bucket);
    }
    const succeeded = Number(row.succeeded);
    const failed = Number(row.failed);
    bucket.succeeded += succeeded;
    bucket.failed += failed;
    bucket.attempts += succeeded + failed;
    bucket.latency[row.bin] = (bucket.latency[row.bin] ?? 0) + succeeded + failed;
  }
  return out;
}

export function statsRepository(ctx: PgContext): WebhookStatsRepository {
  const { client, s } = ctx;
  return {
    async health(webhookId) {
      const [row] = await client.run<HealthRow>(healthQuery(s), [toDb(webhookId)]);
      if (!row) return NO_HEALTH;
      return {
        failing_since: msOrNull(row.failing_since),
        last_success_at: msOrNull(row.last_success_at),
        last_failure_at: msOrNull(row.last_failure_at),
      };
    },

    async buckets(webhookId, since, until) {
      if (!(since < until)) return [];
      const rows = await client.run<StatsRow>(
        `SELECT bucket_start, bin, succeeded, failed FROM ${s}.webhook_stats
         WHERE webhook_id = $1 AND bucket_start >= $2::int8 AND bucket_start < $3::int8
         ORDER BY bucket_start, bin`,
        [toDb(webhookId), since, until],
      );
      return bucketsOf(rows);
    },

    async pending(webhookId) {
      const [row] = await client.run<{ n: string | number }>(
        `SELECT count(*) AS n FROM ${s}.deliveries WHERE webhook_id = $1 AND status = 'pending'`,
        [toDb(webhookId)],
      );
      return Number(row?.n ?? 0);
    },
  };
}

/**
 * Retention's stats step, inside its transaction: deletes up to `limit` rollup rows of buckets that
 * started before `before`, skipping rows a record statement holds (they go in a later call), and
 * keeps their newest success and failure in the webhooks' health rows.
 */
export async function purgeStatsBuckets(
  tx: Queryable,
  s: string,
  before: number,
  limit: number,
): Promise<number> {
  const [row] = await tx.run<{ n: string | number }>(
    `WITH gone AS (
       DELETE FROM ${s}.webhook_stats WHERE (webhook_id, bucket_start, bin, shard) IN (
         SELECT webhook_id, bucket_start, bin, shard FROM ${s}.webhook_stats WHERE bucket_start < $1::int8
         ORDER BY bucket_start LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING webhook_id, last_success_at, last_failure_at),
     kept AS (
       INSERT INTO ${s}.webhook_health AS h (webhook_id, failing_since, last_success_at, last_failure_at)
       SELECT webhook_id, NULL, max(last_success_at), max(last_failure_at) FROM gone
       GROUP BY webhook_id ORDER BY webhook_id
       ON CONFLICT (webhook_id) DO UPDATE SET
         last_success_at = GREATEST(h.last_success_at, EXCLUDED.last_success_at),
         last_failure_at = GREATEST(h.last_failure_at, EXCLUDED.last_failure_at))
     SELECT count(*) AS n FROM gone`,
    [before, limit],
  );
  return Number(row?.n ?? 0);
}
