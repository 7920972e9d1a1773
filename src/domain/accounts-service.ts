// Accounts (operator only), created with a first API key whose clear key is returned once. Keys
// after the first: ./keys-service.ts.

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

  async get(id: string): Promise<{ account: AccountRecord; keys: ApiKeyRecord[] }> {
    const account = await this.deps.store.accounts.get(id);
    if (!account) throw DomainError.notFound("account");
    return { account, keys: await this.deps.store.apiKeys.listForAccount(id) };
  }

  /** Rejects with not_found unless the account exists; used to scope admin requests. */
  async assertExists(id: string): Promise<void> {
    if (!(await this.deps.store.accounts.get(id))) throw DomainError.notFound("account");
  }

  list(page: PageQuery): Promise<Page<AccountRecord>> {
    return this.deps.store.accounts.list(page);
  }

  /** Removes the account, its keys and webhooks, and stops its pending deliveries. */
  async delete(id: string): Promise<void> {
    if (!(await this.deps.store.accounts.delete(id))) throw DomainError.notFound("account");
    await this.deps.store.flushed();
  }
}
