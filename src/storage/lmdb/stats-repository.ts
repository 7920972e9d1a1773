// Per-webhook stats reads in LMDB: the rollups kept by ./attempt-rollups.ts with each recorded
// attempt, and the pending count from the webhook -> pending index. A read of buckets costs one
// range read of at most (until - since) / STATS_BUCKET_MS small records and the webhook's health
// record (which holds the current hour), whatever the webhook's history; pending counts the
// webhook's range of the index (LMDB walks it: the cost grows with that webhook's own backlog only,
// about 4 ms for 100,000 pending and 55 ms for 1,000,000).

import type { WebhookStatsRepository } from "../store";
import { readBuckets, readHealth } from "./attempt-rollups";
import { TOP } from "./key-ranges";
import type { Databases } from "./lmdb-databases";
import { settled } from "./sync-read";

export function statsRepository(dbs: Databases): WebhookStatsRepository {
  return {
    health: (webhookId) => settled(() => readHealth(dbs, webhookId)),
    buckets: (webhookId, since, until) => settled(() => readBuckets(dbs, webhookId, since, until)),
    pending: (webhookId) =>
      settled(() => dbs.pendingByWebhook.getKeysCount({ start: [webhookId], end: [webhookId, TOP] })),
  };
}
