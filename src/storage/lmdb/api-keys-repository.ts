// API keys, stored by [accountId, keyId] with a hash -> key index for authentication.

import { withKeyDefaults } from "../api-key-defaults";
import type { ApiKeyRecord, KeyUse } from "../records";
import type { ApiKeyRepository } from "../store";
import { TOP } from "./key-ranges";
import type { Databases } from "./lmdb-databases";
import type { ReadCaches } from "./read-cache";
import { settled } from "./sync-read";
import type { WriteBatcher } from "./write-batcher";

/** Writes a key and its hash index; runs inside a write transaction. */
export function putApiKey(dbs: Databases, key: ApiKeyRecord): void {
  dbs.apiKeys.putSync([key.account_id, key.id], key);
  dbs.apiKeyHashes.putSync(key.hash, [key.account_id, key.id]);
}

function activeKey(dbs: Databases, hash: string): ApiKeyRecord | undefined {
  const ref = dbs.apiKeyHashes.get(hash);
  if (!ref) return undefined;
  const key = dbs.apiKeys.get(ref) as ApiKeyRecord | undefined;
  return key && key.revoked_at === null && key.hash === hash ? withKeyDefaults(key) : undefined;
}

/** Raises last_used_at of each key still stored; runs inside a write transaction. */
function putUses(dbs: Databases, uses: readonly KeyUse[]): void {
  for (const use of uses) {
    const key = dbs.apiKeys.get([use.account_id, use.id]) as ApiKeyRecord | undefined;
    if (key && (key.last_used_at ?? 0) < use.at) {
      dbs.apiKeys.putSync([use.account_id, use.id], { ...key, last_used_at: use.at });
    }
  }
}

/** Newest first. */
function keysOfAccount(dbs: Databases, accountId: string): ApiKeyRecord[] {
  const out: ApiKeyRecord[] = [];
  for (const { value } of dbs.apiKeys.getRange({
    start: [accountId, TOP],
    end: [accountId],
    reverse: true,
  })) {
    out.push(withKeyDefaults(value as ApiKeyRecord));
  }
  return out;
}

export function apiKeysRepository(
  dbs: Databases,
  writer: WriteBatcher,
  caches: ReadCaches,
): ApiKeyRepository {
  const changed = () => caches.apiKeys.clear();
  return {
    create(key: ApiKeyRecord): Promise<void> {
      return writer.run(() => {
        if (dbs.accounts.get(key.account_id) === undefined) {
          throw new Error(`account ${key.account_id} does not exist`);
        }
        putApiKey(dbs, key);
      }, changed);
    },

    findActiveByHash: (hash) => settled(() => caches.apiKeys.get(hash, () => activeKey(dbs, hash))),

    listForAccount: (accountId) => settled(() => keysOfAccount(dbs, accountId)),

    revoke(accountId: string, keyId: string, at: number): Promise<boolean> {
      return writer.run(() => {
        const key = dbs.apiKeys.get([accountId, keyId]) as ApiKeyRecord | undefined;
        if (!key || key.revoked_at !== null) return false;
        dbs.apiKeys.putSync([accountId, keyId], { ...key, revoked_at: at });
        return true;
      }, changed);
    },

    // No cache clear: authentication does not read last_used_at.
    recordUse(uses) {
      if (uses.length === 0) return Promise.resolve();
      return writer.run(() => putUses(dbs, uses));
    },
  };
}
