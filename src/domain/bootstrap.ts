// First-start access: the admin key and, for newcomers, a `default` account with one key. Clear
// keys are returned once for the composition root to print; only their hashes are stored.

import type { Config } from "../config/config";
import type { Store } from "../storage/store";
import { ADMIN_KEY_HASH_META, generateAdminKey, hashApiKey, issueApiKey } from "./api-keys";
import { newId } from "./ids";

const BOOTSTRAPPED_META = "bootstrapped_at";

export interface BootstrapResult {
  /** Set only when the admin key was generated now (first start without INBOX_ADMIN_KEY). */
  printedAdminKey?: string;
  /** Set only on the very first start, when the store had no account. */
  defaultAccount?: { id: string; apiKey: string };
}

/**
 * Guarantees: a configured admin key always wins (a changed INBOX_ADMIN_KEY replaces the stored
 * hash, so the old key stops working); a generated admin key is made once and shown by one process
 * only, even when several replicas start at once on one empty database (meta.claim); the default
 * account is created at most once per store, by one of them (accounts.createFirst), and not
 * re-created if the operator later deletes every account.
 */
export async function bootstrapAccess(store: Store, config: Config, now: number): Promise<BootstrapResult> {
  const result: BootstrapResult = {};

  if (config.adminKey !== undefined && config.adminKey !== "") {
    const hash = hashApiKey(config.adminKey);
    if ((await store.meta.get(ADMIN_KEY_HASH_META)) !== hash) await store.meta.set(ADMIN_KEY_HASH_META, hash);
  } else if ((await store.meta.get(ADMIN_KEY_HASH_META)) === undefined) {
    const adminKey = generateAdminKey();
    if (await store.meta.claim(ADMIN_KEY_HASH_META, hashApiKey(adminKey))) result.printedAdminKey = adminKey;
  }

  if ((await store.meta.get(BOOTSTRAPPED_META)) === undefined) {
    const account = { id: newId("acct", now), name: "default", created_at: now };
    const { apiKey, record } = issueApiKey(account.id, now);
    const marker = { key: BOOTSTRAPPED_META, value: String(now) };
    if (await store.accounts.createFirst(account, record, marker)) {
      result.defaultAccount = { id: account.id, apiKey };
    }
  }

  await store.flushed();
  return result;
}
