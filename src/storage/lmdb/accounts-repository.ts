// Accounts. Deleting one removes its keys and webhooks and cancels its pending deliveries in the
// same transaction; its events, deliveries and attempts stay until retention removes them.

import { decodeCursor, encodeCursor, pageLimit, pageOf } from "../cursor";
import type { AccountRecord, ApiKeyRecord, Page, PageQuery } from "../records";
import type { AccountRepository } from "../store";
import { putApiKey } from "./api-keys-repository";
import { cancelPendingDeliveries } from "./cancellation";
import { drainUnder, TOP } from "./key-ranges";
import type { Databases } from "./lmdb-databases";
import type { ReadCaches } from "./read-cache";
import { settled } from "./sync-read";
import type { WriteBatcher } from "./write-batcher";

/** Read inside a write job: through its transaction, so an account created earlier in it counts. */
function hasAnyAccount(dbs: Databases): boolean {
  for (const _ of dbs.accounts.getKeys({ limit: 1 })) return true;
  return false;
}

/** Newest id first. */
function listAccounts(dbs: Databases, page: PageQuery): Page<AccountRecord> {
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
}

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
  const changedWithMeta = () => {
    changed();
    caches.meta.clear();
  };
  // A new account's number, written with it, is known committed once its job has committed.
  const created = (accountId: string, committed: boolean) => {
    changed();
    if (committed) dbs.accountNumbers.confirm(accountId);
  };
  return {
    create(account: AccountRecord, firstKey: ApiKeyRecord): Promise<void> {
      return writer.run(
        () => {
          if (dbs.accounts.get(account.id) !== undefined)
            throw new Error(`account ${account.id} already exists`);
          dbs.accounts.putSync(account.id, account);
          dbs.accountNumbers.assign(account.id);
          putApiKey(dbs, firstKey);
        },
        (committed) => created(account.id, committed),
      );
    },

    // One write job: of several first starts, only the first finds the marker absent.
    createFirst(account, firstKey, marker): Promise<boolean> {
      return writer.run(
        () => {
          if (dbs.meta.get(marker.key) !== undefined) return false;
          dbs.meta.putSync(marker.key, marker.value);
          if (hasAnyAccount(dbs)) return false;
          dbs.accounts.putSync(account.id, account);
          dbs.accountNumbers.assign(account.id);
          putApiKey(dbs, firstKey);
          return true;
        },
        (committed) => {
          changedWithMeta();
          if (committed) dbs.accountNumbers.confirm(account.id);
        },
      );
    },

    get: (id) => settled(() => dbs.accounts.get(id) as AccountRecord | undefined),

    list: (page) => settled(() => listAccounts(dbs, page)),

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
