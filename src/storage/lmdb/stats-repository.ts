// Per-webhook stats reads in LMDB: the rollups kept by ./attempt-rollups.ts with each recorded
// attempt, and the pending count from the webhook -> pending index. A read of buckets costs one
// range read of at most (until - since) / STATS_BUCKET_MS small records, whatever the webhook's
// history; pending counts the webhook's range of the index (LMDB walks it: cost grows with that
// webhook's own backlog only, measured in the README's stats note).

import type { StatsBucket } from "../records";
import type { WebhookStatsRepository } from "../store";
import { bucketOf, readHealth } from "./attempt-rollups";
import { TOP } from "./key-ranges";
import type { Databases } from "./lmdb-databases";
import { settled } from "./sync-read";

export function statsRepository(dbs: Databases): WebhookStatsRepository {
  return {
    health: (webhookId) => settled(() => readHealth(dbs, webhookId)),
    buckets: (webhookId, since, until) =>
      settled(() => {
        const out: StatsBucket[] = [];
        if (!(since < until)) return out;
        for (const { key, value } of dbs.webhookStats.getRange({
          start: [webhookId, since],
          end: [webhookId, until],
        })) {
          out.push(bucketOf((key as [string, number])[1], value as Parameters<typeof bucketOf>[1]));
        }
        return out;
      }),
    pending: (webhookId) =>
      settled(() => dbs.pendingByWebhook.getKeysCount({ start: [webhookId], end: [webhookId, TOP] })),
  };
}
