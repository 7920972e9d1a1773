// Per-webhook rollups in LMDB, kept in the write that records an attempt (./deliveries-repository.ts
// applyAttempt). One record per webhook holds its health and its current hour's bucket; a bucket
// moves to webhookStats when the first attempt of a later hour arrives (once an hour per webhook),
// and an attempt recorded late for an earlier hour goes straight to that hour's stored bucket.
// The health record goes through HealthTail: a write transaction reads each webhook's record at
// most once and writes it once, at its end, however many of its attempts it records (group commit
// puts many in one transaction), whatever the webhook's history.
// Layouts (./lmdb-databases.ts):
//   webhookHealth webhookId -> [failing_since, last_success_at, last_failure_at, current bucket | null]
//   webhookStats  [webhookId, bucketStart] -> bucket
//   a bucket: [start, succeeded, failed, latency bins[]]
// Retention removes stored buckets older than the retention (statsRetention); health records stay,
// one small record per webhook.

import type { Key } from "lmdb";
import type { AttemptRecord, StatsBucket, WebhookHealth } from "../records";
import { bucketStart, counts, emptyBucket, NO_HEALTH, nextHealth, withAttempt } from "../stats-rollup";
import { TOP } from "./key-ranges";
import type { Databases } from "./lmdb-databases";
import type { TransactionTail } from "./write-batcher";

type StoredBucket = [start: number, succeeded: number, failed: number, latency: number[]];
type StoredHealth = [
  failing_since: number | null,
  last_success_at: number | null,
  last_failure_at: number | null,
  current: StoredBucket | null,
];

const bucketOf = ([start, succeeded, failed, latency]: StoredBucket): StatsBucket => ({
  start,
  attempts: succeeded + failed,
  succeeded,
  failed,
  latency,
});

const storedBucket = (b: StatsBucket): StoredBucket => [b.start, b.succeeded, b.failed, b.latency];

/** The sum of two buckets of the same hour. */
function merged(a: StatsBucket, b: StatsBucket): StatsBucket {
  return {
    start: a.start,
    attempts: a.attempts + b.attempts,
    succeeded: a.succeeded + b.succeeded,
    failed: a.failed + b.failed,
    latency: a.latency.map((n, i) => n + (b.latency[i] ?? 0)),
  };
}

const readStored = (dbs: Databases, webhookId: string) =>
  dbs.webhookHealth.get(webhookId) as StoredHealth | undefined;

const healthOf = (value: StoredHealth): WebhookHealth => ({
  failing_since: value[0],
  last_success_at: value[1],
  last_failure_at: value[2],
});

export function readHealth(dbs: Databases, webhookId: string): WebhookHealth {
  const value = readStored(dbs, webhookId);
  return value ? healthOf(value) : NO_HEALTH;
}

/** Adds `bucket` to the stored bucket of its hour (one read and one write). */
function addToStored(dbs: Databases, webhookId: string, bucket: StatsBucket): void {
  const key = [webhookId, bucket.start];
  const stored = dbs.webhookStats.get(key) as StoredBucket | undefined;
  dbs.webhookStats.putSync(key, storedBucket(stored ? merged(bucketOf(stored), bucket) : bucket));
}

/**
 * The webhook's current bucket after the attempt: the attempt's hour's. A current bucket of an
 * earlier hour is stored first; an attempt of an hour before the current one is added to that
 * hour's stored bucket and the current one is kept.
 */
function currentAfter(
  dbs: Databases,
  webhookId: string,
  current: StoredBucket | null,
  attempt: AttemptRecord,
) {
  const start = bucketStart(attempt.started_at);
  if (current && current[0] === start) return withAttempt(bucketOf(current), attempt);
  if (current && current[0] > start) {
    addToStored(dbs, webhookId, withAttempt(emptyBucket(start), attempt));
    return bucketOf(current);
  }
  if (current) addToStored(dbs, webhookId, bucketOf(current));
  return withAttempt(emptyBucket(start), attempt);
}

/**
 * The health records a write transaction changes, kept decoded until its end (the WriteBatcher's
 * tail, ./write-batcher.ts), then written once each inside it. Guarantees:
 * - what is written at the end is what writing each attempt's record at once would have left;
 * - the writes are part of the transaction that records the attempts: both commit or neither;
 * - nothing outlives its transaction (a rolled-back one writes nothing and leaves nothing here);
 * - at most one entry per webhook with an attempt in the transaction.
 * Within a write job, read health records through `read` (the store's copy may be older).
 */
export class HealthTail implements TransactionTail {
  private readonly staged = new Map<string, StoredHealth>();
  private open = false;

  constructor(private readonly dbs: Databases) {}

  begin(): void {
    this.staged.clear();
    this.open = true;
  }

  end(): void {
    try {
      for (const [webhookId, value] of this.staged) this.dbs.webhookHealth.putSync(webhookId, value);
    } finally {
      this.drop();
    }
  }

  drop(): void {
    this.staged.clear();
    this.open = false;
  }

  /** The webhook's record as this transaction leaves it so far. */
  read(webhookId: string): StoredHealth | undefined {
    return this.staged.get(webhookId) ?? readStored(this.dbs, webhookId);
  }

  /** The webhook's record from now on, written at the transaction's end. */
  stage(webhookId: string, value: StoredHealth): void {
    // Staged outside a batcher's transaction, it would never be written: refuse loudly.
    if (!this.open) throw new Error("a health record was staged outside a write transaction");
    this.staged.set(webhookId, value);
  }
}

/** Adds a recorded attempt to its webhook's bucket and health. Runs inside the recording write. */
export function rollUpAttempt(dbs: Databases, tail: HealthTail, attempt: AttemptRecord): void {
  if (!counts(attempt)) return;
  const stored = tail.read(attempt.webhook_id);
  const health = nextHealth(stored ? healthOf(stored) : NO_HEALTH, attempt);
  const current = currentAfter(dbs, attempt.webhook_id, stored?.[3] ?? null, attempt);
  tail.stage(attempt.webhook_id, [
    health.failing_since,
    health.last_success_at,
    health.last_failure_at,
    storedBucket(current),
  ]);
}

/** The webhook's buckets with start in [since, until), oldest first: the stored ones and the current. */
export function readBuckets(dbs: Databases, webhookId: string, since: number, until: number): StatsBucket[] {
  const out: StatsBucket[] = [];
  if (!(since < until)) return out;
  for (const { value } of dbs.webhookStats.getRange({ start: [webhookId, since], end: [webhookId, until] })) {
    out.push(bucketOf(value as StoredBucket));
  }
  const current = readStored(dbs, webhookId)?.[3];
  if (!current || current[0] < since || current[0] >= until) return out;
  const at = out.findIndex((b) => b.start >= current[0]);
  if (at === -1) out.push(bucketOf(current));
  else if (out[at]?.start === current[0]) out[at] = merged(out[at] as StatsBucket, bucketOf(current));
  else out.splice(at, 0, bucketOf(current));
  return out;
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
