// Per-webhook rollups in LMDB, kept in the write that records an attempt (./deliveries-repository.ts
// applyAttempt): one bucket and one health record read and rewritten per attempt, O(1) whatever
// the webhook's history. Layouts (./lmdb-databases.ts):
//   webhookStats  [webhookId, bucketStart] -> [succeeded, failed, latency bins[]]
//   webhookHealth webhookId -> [failing_since, last_success_at, last_failure_at]
// Retention removes buckets older than the retention (purgeStatsBuckets); health records stay,
// one small record per webhook.

import type { Key } from "lmdb";
import type { AttemptRecord, StatsBucket, WebhookHealth } from "../records";
import { bucketStart, counts, emptyBucket, NO_HEALTH, nextHealth, withAttempt } from "../stats-rollup";
import { TOP } from "./key-ranges";
import type { Databases } from "./lmdb-databases";

type StoredBucket = [succeeded: number, failed: number, latency: number[]];
type StoredHealth = [
  failing_since: number | null,
  last_success_at: number | null,
  last_failure_at: number | null,
];

export function bucketOf(start: number, value: StoredBucket): StatsBucket {
  const [succeeded, failed, latency] = value;
  return { start, attempts: succeeded + failed, succeeded, failed, latency };
}

export function readHealth(dbs: Databases, webhookId: string): WebhookHealth {
  const value = dbs.webhookHealth.get(webhookId) as StoredHealth | undefined;
  if (!value) return NO_HEALTH;
  return { failing_since: value[0], last_success_at: value[1], last_failure_at: value[2] };
}

/** Adds a recorded attempt to its webhook's bucket and health. Runs inside the recording write. */
export function rollUpAttempt(dbs: Databases, attempt: AttemptRecord): void {
  if (!counts(attempt)) return;
  const start = bucketStart(attempt.started_at);
  const key = [attempt.webhook_id, start];
  const stored = dbs.webhookStats.get(key) as StoredBucket | undefined;
  const bucket = withAttempt(stored ? bucketOf(start, stored) : emptyBucket(start), attempt);
  dbs.webhookStats.putSync(key, [bucket.succeeded, bucket.failed, bucket.latency] satisfies StoredBucket);
  const health = nextHealth(readHealth(dbs, attempt.webhook_id), attempt);
  dbs.webhookHealth.putSync(attempt.webhook_id, [
    health.failing_since,
    health.last_success_at,
    health.last_failure_at,
  ] satisfies StoredHealth);
}

/** A retention walk's budget and progress, and the old keys it collected. */
interface Walk {
  limit: number;
  cap: number;
  examined: number;
  old: Key[][];
}

/**
 * Collects older buckets from `start` (exclusive) until one that is not older: answers where the
 * next webhook begins, the last key taken when the walk's budget ran out, or null at the end.
 */
function collectRun(dbs: Databases, before: number, start: Key[] | null, walk: Walk): Key[] | null {
  for (const key of dbs.webhookStats.getKeys(start ? { start, exclusiveStart: true } : {})) {
    const [webhookId, bucket] = key as [string, number];
    walk.examined++;
    if (bucket >= before) return [webhookId, TOP];
    walk.old.push(key as Key[]);
    if (walk.old.length >= walk.limit || walk.examined >= walk.cap) return key as Key[];
  }
  return null;
}

/**
 * Retention's stats step, called inside its write: removes up to `limit` buckets that start
 * before `before`, examining at most max(1000, 4 * limit) keys. Within a webhook the oldest come
 * first, so the walk jumps to the next webhook at the first bucket that is not older, and resumes
 * where the previous call stopped (wrapping at the end): many webhooks cannot make one call scan
 * without bound.
 */
export function statsRetention(dbs: Databases) {
  let position: Key[] | null = null;
  return function purgeStatsBuckets(before: number, limit: number): number {
    const walk: Walk = { limit, cap: Math.max(1_000, limit * 4), examined: 0, old: [] };
    let next = collectRun(dbs, before, position, walk);
    while (next !== null && walk.old.length < limit && walk.examined < walk.cap) {
      next = collectRun(dbs, before, next, walk);
    }
    position = next;
    for (const key of walk.old) dbs.webhookStats.removeSync(key);
    return walk.old.length;
  };
}
