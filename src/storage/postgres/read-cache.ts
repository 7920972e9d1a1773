// A bounded read-through cache for the records every request or attempt reads (webhooks, an
// account's webhooks, API keys by hash, meta), on a store shared by several replicas.
//
// Guarantees:
// - an entry is served for at most maxAgeMs (READ_CACHE_MS_MAX) after it was read, so another
//   replica's change is seen within that;
// - this replica's own writes clear the entries they may change when they commit, before their
//   promise resolves (read-your-writes here); a load that started before such a clear is not
//   kept (its result may predate the write);
// - concurrent misses of one key share one load (no burst of identical reads when an entry
//   expires under load);
// - only records that were found are kept, so lookups of unknown keys cannot fill it; at capacity
//   it starts over. Values are frozen: no caller can change what another will read.

import { deepFreeze } from "../deep-freeze";
import type { ApiKeyRecord, WebhookRecord } from "../records";
import { READ_CACHE_MS_MAX } from "../store";

interface Entry<V> {
  value: V;
  until: number;
}

export class TtlCache<V> {
  private entries = new Map<string, Entry<V>>();
  /** Loads under way, by key and generation, shared by the callers that miss meanwhile. */
  private loading = new Map<string, Promise<V | undefined>>();
  /** Raised by every clear: a load that began under an older generation is not stored. */
  private generation = 0;

  constructor(
    private readonly capacity: number,
    private readonly maxAgeMs: number = READ_CACHE_MS_MAX,
    private readonly clock: () => number = performance.now.bind(performance),
  ) {}

  get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = this.entries.get(key);
    const now = this.clock();
    if (hit !== undefined && hit.until > now) return Promise.resolve(hit.value);
    const shared = this.loading.get(key);
    if (shared !== undefined) return shared;
    const generation = this.generation;
    const loaded = load().then((value) => {
      if (value !== undefined && generation === this.generation) {
        if (this.entries.size >= this.capacity) this.entries.clear();
        this.entries.set(key, { value: deepFreeze(value), until: now + this.maxAgeMs });
      }
      return value;
    });
    this.loading.set(key, loaded);
    const forget = () => {
      if (this.loading.get(key) === loaded) this.loading.delete(key);
    };
    loaded.then(forget, forget);
    return loaded;
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    // Loads under way may have read before the write that clears: later callers load afresh.
    this.loading.clear();
  }
}

export interface PgReadCaches {
  webhooks: TtlCache<WebhookRecord>;
  /** accountId -> the account's webhooks, in id order. */
  webhookLists: TtlCache<WebhookRecord[]>;
  /** key hash -> the unrevoked key. */
  apiKeys: TtlCache<ApiKeyRecord>;
  meta: TtlCache<string>;
}

export function createPgReadCaches(): PgReadCaches {
  return {
    webhooks: new TtlCache(10_000),
    webhookLists: new TtlCache(1_000),
    apiKeys: new TtlCache(10_000),
    meta: new TtlCache(100),
  };
}
