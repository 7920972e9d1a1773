// Accounts and their API keys (operator only). Clear keys are returned once, at creation.

import type { AccountRecord, ApiKeyRecord, Page, PageQuery } from "../storage/records";
import type { Store } from "../storage/store";
import { issueApiKey } from "./api-keys";
import { DomainError } from "./errors";
import { newId } from "./ids";

export class AccountsService {
  constructor(private readonly deps: { store: Store; now: () => number }) {}

  async create(name: string): Promise<{ account: AccountRecord; apiKey: string; key: ApiKeyRecord }> {
    const now = this.deps.now();
    const account: AccountRecord = { id: newId("acct", now), name, created_at: now };
    const { apiKey, record } = issueApiKey(account.id, now);
    await this.deps.store.accounts.create(account, record);
    await this.deps.store.flushed();
    return { account, apiKey, key: record };
  }

  get(id: string): { account: AccountRecord; keys: ApiKeyRecord[] } {
    const account = this.deps.store.accounts.get(id);
    if (!account) throw DomainError.notFound("account");
    return { account, keys: this.deps.store.apiKeys.listForAccount(id) };
  }

  /** Throws not_found unless the account exists; used to scope admin requests. */
  assertExists(id: string): void {
    if (!this.deps.store.accounts.get(id)) throw DomainError.notFound("account");
  }

  list(page: PageQuery): Page<AccountRecord> {
    return this.deps.store.accounts.list(page);
  }

  /** Removes the account, its keys and webhooks, and stops its pending deliveries. */
  async delete(id: string): Promise<void> {
    if (!(await this.deps.store.accounts.delete(id))) throw DomainError.notFound("account");
    await this.deps.store.flushed();
  }

  async createKey(accountId: string): Promise<{ apiKey: string; key: ApiKeyRecord }> {
    this.assertExists(accountId);
    const { apiKey, record } = issueApiKey(accountId, this.deps.now());
    await this.deps.store.apiKeys.create(record);
    await this.deps.store.flushed();
    return { apiKey, key: record };
  }

  /** Revokes at once: the next request with that key answers 401. */
  async revokeKey(accountId: string, keyId: string): Promise<void> {
    this.assertExists(accountId);
    if (!(await this.deps.store.apiKeys.revoke(accountId, keyId, this.deps.now())))
      throw DomainError.notFound("key");
    await this.deps.store.flushed();
  }
}
