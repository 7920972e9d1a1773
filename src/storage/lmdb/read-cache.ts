// A bounded read-through cache of committed records, for the few that every request and every
// attempt reads: webhooks, an account's webhook list, API keys by hash, meta settings.
//
// Rules that keep it exact:
// - every write that can change a cached record clears the cache synchronously right after its
//   transaction commits (WriteBatcher's afterCommit), before anyone hears that the write is done;
// - only records that were found are kept, so lookups of unknown ids cannot fill it; at capacity it
//   starts over;
// - values are frozen, so no caller can change what another caller will read.

import { deepFreeze } from "../deep-freeze";
import type { ApiKeyRecord, WebhookRecord } from "../records";

export class ReadCache<V> {
  private entries = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  get(key: string, load: () => V | undefined): V | undefined {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const value = load();
    if (value !== undefined) {
      if (this.entries.size >= this.capacity) this.entries.clear();
      this.entries.set(key, deepFreeze(value));
    }
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** The caches one store keeps, shared by the repositories whose writes must clear them. */
export interface ReadCaches {
  webhooks: ReadCache<WebhookRecord>;
  /** accountId -> the account's webhooks, in key order. */
  webhookLists: ReadCache<WebhookRecord[]>;
  /** key hash -> the unrevoked key. */
  apiKeys: ReadCache<ApiKeyRecord>;
  meta: ReadCache<string>;
}

export function createReadCaches(): ReadCaches {
  return {
    webhooks: new ReadCache(10_000),
    webhookLists: new ReadCache(1_000),
    apiKeys: new ReadCache(10_000),
    meta: new ReadCache(100),
  };
}
