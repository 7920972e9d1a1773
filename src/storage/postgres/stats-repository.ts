// Per-webhook stats reads on PostgreSQL: the rollups the record statement keeps with each recorded
// attempt (./record-statement.ts; tables: ./migrations/006-webhook-stats.ts) and the pending count
// from the deliveries_webhook_pending partial index. A read of buckets reads at most
// LATENCY_BIN_COUNT rows per hour of the window, whatever the webhook's history; pending counts
// the webhook's own entries in the index.

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
      const [row] = await client.run<HealthRow>(
        `SELECT failing_since, last_success_at, last_failure_at FROM ${s}.webhook_health WHERE webhook_id = $1`,
        [toDb(webhookId)],
      );
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
 * started before `before`, skipping rows a record statement holds (they go in a later call).
 */
export async function purgeStatsBuckets(
  tx: Queryable,
  s: string,
  before: number,
  limit: number,
): Promise<number> {
  const rows = await tx.run(
    `DELETE FROM ${s}.webhook_stats WHERE (webhook_id, bucket_start, bin) IN (
       SELECT webhook_id, bucket_start, bin FROM ${s}.webhook_stats WHERE bucket_start < $1::int8
       ORDER BY bucket_start LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING 1`,
    [before, limit],
  );
  return rows.length;
}
