// Schema version 5: per-webhook attempt rollups and health (issue 10 item 6), written by the record
// statement (../record-statement.ts) through record_stats with each recorded attempt. Both tables
// start empty: stats begin at the upgrade. webhook_stats holds one row per webhook, hour
// (STATS_BUCKET_MS), latency bin and shard (the writing connection's, STATS_SHARDS) that saw an
// attempt, with the newest success and failure among them; reads sum the shards. webhook_health
// holds a webhook's failing_since (written only when it changes) and the newest success and failure
// of rollup rows retention has deleted (and of the batch that created it); retention deletes rollup
// rows by bucket_start (webhook_stats_time).

import type { Migration } from "../migrations";

const C = 'COLLATE "C"';

/** Rollup rows per (webhook, hour, bin): a statement writes its connection's. */
export const STATS_SHARDS = 8;

/**
 * record_stats(ords, webhooks, buckets, bins, started, oks): one batch's counted outcomes, each with
 * its place in call order (ords; the arrays themselves may be in any order, alike).
 * A function so that its statements are planned once per connection (SET plan_cache_mode) while
 * the record statement around it may be planned every run (pg-context.ts clockCte).
 *
 * Rollups: one upsert of the batch's sums, in key order. Health: per webhook, the batch's own run of
 * failures (since: its first failure after its last success, null if it ends with a success); a
 * batch with a success decides failing_since, one without continues a stored run or starts one at
 * since. The row is read without a lock and written only when failing_since changes: an UPDATE that
 * re-checks the condition (waiting for a concurrent writer and re-reading the committed row), or
 * the insert of a webhook's first row (DO NOTHING: a row created meanwhile is then updated). Each
 * statement sees what committed before it, so the result is that of the batches in some serial order.
 */
const recordStats = (s: string) => `CREATE OR REPLACE FUNCTION ${s}.record_stats(ords int8[],
  webhooks text[], buckets int8[], bins int[], started int8[], oks bool[]) RETURNS int LANGUAGE plpgsql
  SET plan_cache_mode = force_generic_plan AS $fn$
DECLARE
  r record;
  cur int8;
BEGIN
  IF webhooks IS NULL THEN RETURN 0; END IF;
  INSERT INTO ${s}.webhook_stats AS w
    (webhook_id, bucket_start, bin, shard, succeeded, failed, last_success_at, last_failure_at)
  SELECT u.w, u.b, u.bin, pg_backend_pid() % ${STATS_SHARDS}, count(*) FILTER (WHERE u.ok),
    count(*) FILTER (WHERE NOT u.ok), max(u.at) FILTER (WHERE u.ok), max(u.at) FILTER (WHERE NOT u.ok)
  FROM unnest(webhooks, buckets, bins, started, oks) AS u(w, b, bin, at, ok)
  GROUP BY u.w, u.b, u.bin ORDER BY u.w, u.b, u.bin
  ON CONFLICT (webhook_id, bucket_start, bin, shard) DO UPDATE
    SET succeeded = w.succeeded + EXCLUDED.succeeded, failed = w.failed + EXCLUDED.failed,
      last_success_at = GREATEST(w.last_success_at, EXCLUDED.last_success_at),
      last_failure_at = GREATEST(w.last_failure_at, EXCLUDED.last_failure_at);
  IF false <> ALL(oks) THEN
    -- Successes only: each ends its webhook's run, and a webhook not failing is left untouched.
    UPDATE ${s}.webhook_health h SET failing_since = NULL
    WHERE h.webhook_id = ANY(webhooks) AND h.failing_since IS NOT NULL;
    RETURN cardinality(webhooks);
  END IF;
  FOR r IN
    WITH c AS (SELECT * FROM unnest(ords, webhooks, started, oks) AS u(ord, w, at, ok)),
    runs AS (SELECT c.w, max(c.at) FILTER (WHERE c.ok) AS ok_at, max(c.at) FILTER (WHERE NOT c.ok) AS fail_at,
      max(c.ord) FILTER (WHERE c.ok) AS last_ok FROM c GROUP BY c.w)
    SELECT runs.w, runs.ok_at, runs.fail_at, (SELECT c.at FROM c WHERE c.w = runs.w AND NOT c.ok
      AND c.ord > COALESCE(runs.last_ok, 0) ORDER BY c.ord LIMIT 1) AS since
    FROM runs ORDER BY runs.w
  LOOP
    SELECT h.failing_since INTO cur FROM ${s}.webhook_health h WHERE h.webhook_id = r.w;
    IF NOT FOUND THEN
      CONTINUE WHEN r.since IS NULL;
      INSERT INTO ${s}.webhook_health (webhook_id, failing_since, last_success_at, last_failure_at)
      VALUES (r.w, r.since, r.ok_at, r.fail_at) ON CONFLICT (webhook_id) DO NOTHING;
      CONTINUE WHEN FOUND;
    ELSIF (r.ok_at IS NOT NULL AND cur IS NOT DISTINCT FROM r.since) OR (r.ok_at IS NULL AND cur IS NOT NULL) THEN
      CONTINUE;
    END IF;
    UPDATE ${s}.webhook_health h SET failing_since = r.since WHERE h.webhook_id = r.w
      AND CASE WHEN r.ok_at IS NOT NULL THEN h.failing_since IS DISTINCT FROM r.since
          ELSE h.failing_since IS NULL END;
  END LOOP;
  RETURN cardinality(webhooks);
END
$fn$`;

export const webhookStats: Migration = {
  version: 5,
  description: "per-webhook attempt rollups and health (issue 10 item 6)",
  statements: (s) => [
    `CREATE TABLE IF NOT EXISTS ${s}.webhook_stats (webhook_id text ${C} NOT NULL, bucket_start int8 NOT NULL,
       bin int NOT NULL, shard int NOT NULL, succeeded int8 NOT NULL, failed int8 NOT NULL,
       last_success_at int8, last_failure_at int8,
       PRIMARY KEY (webhook_id, bucket_start, bin, shard))`,
    `CREATE INDEX IF NOT EXISTS webhook_stats_time ON ${s}.webhook_stats (bucket_start)`,
    `CREATE TABLE IF NOT EXISTS ${s}.webhook_health (webhook_id text ${C} PRIMARY KEY, failing_since int8,
       last_success_at int8, last_failure_at int8)`,
    recordStats(s),
  ],
};
