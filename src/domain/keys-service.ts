// An account's API keys: issue (named, scoped, expiring), list, revoke. The admin key manages any
// account's keys; an account's `manage` key manages its own, and can never issue a key that may do
// more than itself: scopes within its own, an expiry no later than its own (when it has one).

import type { ApiKeyRecord, KeyScope } from "../storage/records";
import type { Store } from "../storage/store";
import { issueApiKey, type KeySpec, type Principal } from "./api-keys";
import { DomainError } from "./errors";
import type { KeyUsage } from "./key-usage";

/** A key request as the API parsed it; absent fields take the issuer's defaults. */
export interface KeyRequest {
  name?: string;
  scopes?: readonly KeyScope[];
  expiresAt?: number;
}

export class KeysService {
  constructor(private readonly deps: { store: Store; now: () => number; usage: KeyUsage }) {}

  /**
   * Issues a key to `accountId` (which must exist) on behalf of `issuer`. Defaults: the issuer's
   * scopes (both for the admin key) and expiry (none for the admin key).
   */
  async issue(
    accountId: string,
    request: KeyRequest,
    issuer: Principal,
  ): Promise<{ apiKey: string; key: ApiKeyRecord }> {
    const now = this.deps.now();
    const spec = keySpec(request, issuer, now);
    if (!(await this.deps.store.accounts.get(accountId))) throw DomainError.notFound("account");
    const { apiKey, record } = issueApiKey(accountId, now, spec);
    await this.deps.store.apiKeys.create(record);
    await this.deps.store.flushed();
    return { apiKey, key: record };
  }

  /** The account's keys, newest first, with uses not yet written (KeyUsage) in last_used_at. */
  async list(accountId: string): Promise<ApiKeyRecord[]> {
    if (!(await this.deps.store.accounts.get(accountId))) throw DomainError.notFound("account");
    return this.withUsage(await this.deps.store.apiKeys.listForAccount(accountId));
  }

  /** The keys with their newest noted use (a flush writes it within a minute). */
  withUsage(keys: readonly ApiKeyRecord[]): ApiKeyRecord[] {
    return keys.map((key) => {
      const noted = this.deps.usage.lastUsed(key.id);
      return noted !== undefined && noted > (key.last_used_at ?? 0) ? { ...key, last_used_at: noted } : key;
    });
  }

  /** Revokes at once: the next request with that key answers 401. */
  async revoke(accountId: string, keyId: string): Promise<void> {
    if (!(await this.deps.store.accounts.get(accountId))) throw DomainError.notFound("account");
    if (!(await this.deps.store.apiKeys.revoke(accountId, keyId, this.deps.now())))
      throw DomainError.notFound("key");
    await this.deps.store.flushed();
  }
}

/** The key to issue, or a 422 naming `scopes` or `expires_at` when the issuer may not. */
function keySpec(request: KeyRequest, issuer: Principal, now: number): KeySpec {
  const own = issuer.kind === "account" ? issuer : undefined;
  const scopes = request.scopes ?? own?.scopes ?? ["publish", "manage"];
  const wider = own ? scopes.filter((scope) => !own.scopes.includes(scope)) : [];
  if (wider.length > 0) {
    throw DomainError.invalid("a key cannot issue a key with scopes it does not have", [
      { field: "/scopes", reason: `this key lacks ${wider.join(", ")}` },
    ]);
  }
  const expiresAt = request.expiresAt ?? own?.expiresAt ?? null;
  if (expiresAt !== null && expiresAt <= now) {
    throw DomainError.invalid("the request is not valid", [
      { field: "/expires_at", reason: "must be in the future" },
    ]);
  }
  if (own?.expiresAt != null && (expiresAt === null || expiresAt > own.expiresAt)) {
    throw DomainError.invalid("a key cannot issue a key that outlives it", [
      { field: "/expires_at", reason: "must not be later than the expiry of the key making the request" },
    ]);
  }
  return { name: request.name ?? null, scopes, expiresAt };
}
