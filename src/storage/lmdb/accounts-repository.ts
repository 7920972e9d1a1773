// Accounts. Deleting one removes its keys and webhooks and cancels its pending deliveries in the
// same transaction; its events, deliveries and attempts stay until retention removes them.

import type { AccountRecord, ApiKeyRecord, Page, PageQuery } from "../records";
import type { AccountRepository } from "../store";
import { putApiKey } from "./api-keys-repository";
import { cancelPendingDeliveries } from "./cancellation";
import { decodeCursor, encodeCursor, pageLimit, pageOf } from "../cursor";
import { drainUnder, TOP } from "./key-ranges";
import { type Databases, entryCount } from "./lmdb-databases";
import type { ReadCaches } from "./read-cache";
import type { WriteBatcher } from "./write-batcher";

export function accountsRepository(
  dbs: Databases,
  writer: WriteBatcher,
  caches: ReadCaches,
  /** Stamps cancellations and deletions; the store's one clock. */
  clock: () => number,
): AccountRepository {
  // An account's deletion removes its keys and webhooks.
  const changed = () => {
    caches.apiKeys.clear();
    caches.webhooks.clear();
    caches.webhookLists.clear();
  };
  return {
    create(account: AccountRecord, firstKey: ApiKeyRecord): Promise<void> {
      return writer.run(() => {
        if (dbs.accounts.get(account.id) !== undefined)
          throw new Error(`account ${account.id} already exists`);
        dbs.accounts.putSync(account.id, account);
        putApiKey(dbs, firstKey);
      }, changed);
    },

    get: (id) => dbs.accounts.get(id) as AccountRecord | undefined,

    list(page: PageQuery): Page<AccountRecord> {
      const limit = pageLimit(page.limit);
      const start = page.cursor ? (decodeCursor(page.cursor, "acct", [], ["string"])[0] as string) : TOP;
      const data: AccountRecord[] = [];
      for (const { value } of dbs.accounts.getRange({
        start,
        reverse: true,
        exclusiveStart: true,
        limit: limit + 1,
      })) {
        data.push(value as AccountRecord);
      }
      return pageOf(data, limit, (last) => encodeCursor("acct", [], [last.id]));
    },

    count: () => entryCount(dbs.accounts),

    delete(id: string): Promise<boolean> {
      const at = clock();
      return writer.run(() => {
        changed();
        if (dbs.accounts.get(id) === undefined) return false;
        dbs.accounts.removeSync(id);
        drainUnder<ApiKeyRecord>(dbs.apiKeys, [id], ({ value }) => dbs.apiKeyHashes.removeSync(value.hash));
        drainUnder(dbs.webhooks, [id], ({ key }) => {
          const webhookId = key[1] as string;
          cancelPendingDeliveries(dbs, webhookId, at);
          dbs.webhookOwners.removeSync(webhookId);
        });
        return true;
      }, changed);
    },
  };
}
