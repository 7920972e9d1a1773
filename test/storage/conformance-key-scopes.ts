// Conformance: named, scoped, expiring API keys (issue 11 item 5). Every store keeps name, scopes,
// expires_at and last_used_at as written; reads records stored without them (before the feature)
// as name null, both scopes, no expiry, never used; and recordUse raises last_used_at only, in one
// write, skipping keys that are gone.

import { describe, expect, test } from "bun:test";
import type { ApiKeyRecord } from "../../src/storage/records";
import { account, apiKey, T0 } from "./fixtures";
import { freshStorePerTest, type OpenStore } from "./store-context";

const DAY = 86_400_000;

/** A record as stores wrote it before keys had names, scopes and expiry. */
function legacyKey(accountId: string): ApiKeyRecord {
  const { name: _n, scopes: _s, expires_at: _e, last_used_at: _l, ...old } = apiKey(accountId);
  return old;
}

export function keyScopeSuites(name: string, open: OpenStore): void {
  describe(`${name} store: scoped, named, expiring keys`, () => {
    const ctx = freshStorePerTest(open);

    test("name, scopes and expiry are kept on every read and after a reopen", async () => {
      const a = account();
      const first = apiKey(a.id, { name: "billing-service", scopes: ["publish"], expires_at: T0 + DAY });
      await ctx.store.accounts.create(a, first);
      const second = apiKey(a.id, { name: 'ops ✓ "quoted"', scopes: ["manage"], created_at: T0 + 1 });
      await ctx.store.apiKeys.create(second);
      expect(await ctx.store.apiKeys.findActiveByHash(first.hash)).toEqual(first);
      expect(await ctx.store.apiKeys.findActiveByHash(second.hash)).toEqual(second);
      expect(await ctx.store.apiKeys.listForAccount(a.id)).toEqual([second, first]);
      const reopened = await ctx.reopen();
      if (reopened) expect(await reopened.apiKeys.listForAccount(a.id)).toEqual([second, first]);
    });

    test("records stored without the new fields read as both scopes, no name, no expiry, never used", async () => {
      const a = account();
      const old = legacyKey(a.id);
      await ctx.store.accounts.create(a, old);
      const expected: ApiKeyRecord = {
        ...old,
        name: null,
        scopes: ["publish", "manage"],
        expires_at: null,
        last_used_at: null,
      };
      expect(await ctx.store.apiKeys.findActiveByHash(old.hash)).toEqual(expected);
      expect(await ctx.store.apiKeys.listForAccount(a.id)).toEqual([expected]);
      expect(await ctx.store.apiKeys.revoke(a.id, old.id, T0 + 5)).toBe(true);
      expect(await ctx.store.apiKeys.listForAccount(a.id)).toEqual([{ ...expected, revoked_at: T0 + 5 }]);
    });

    test("recordUse raises last_used_at, never lowers it, and changes nothing else", async () => {
      const a = account();
      const k = apiKey(a.id, { name: "k", scopes: ["publish"], expires_at: T0 + DAY });
      const other = apiKey(a.id, { created_at: T0 + 1 });
      await ctx.store.accounts.create(a, k);
      await ctx.store.apiKeys.create(other);
      await ctx.store.apiKeys.recordUse([
        { account_id: a.id, id: k.id, at: T0 + 100 },
        { account_id: a.id, id: other.id, at: T0 + 50 },
      ]);
      await ctx.store.apiKeys.recordUse([{ account_id: a.id, id: k.id, at: T0 + 60 }]);
      expect(await ctx.store.apiKeys.listForAccount(a.id)).toEqual([
        { ...other, last_used_at: T0 + 50 },
        { ...k, last_used_at: T0 + 100 },
      ]);
      await ctx.store.apiKeys.recordUse([]);
      const reopened = await ctx.reopen();
      const store = reopened ?? ctx.store;
      expect((await store.apiKeys.listForAccount(a.id)).map((x) => x.last_used_at)).toEqual([
        T0 + 50,
        T0 + 100,
      ]);
    });

    test("recordUse keeps a revocation, skips deleted keys and other accounts' ids", async () => {
      const a = account();
      const b = account();
      const k = apiKey(a.id);
      const kb = apiKey(b.id);
      await ctx.store.accounts.create(a, k);
      await ctx.store.accounts.create(b, kb);
      await ctx.store.apiKeys.revoke(a.id, k.id, T0 + 10);
      await ctx.store.apiKeys.recordUse([
        { account_id: a.id, id: k.id, at: T0 + 20 },
        { account_id: a.id, id: kb.id, at: T0 + 20 },
        { account_id: a.id, id: "key_gone", at: T0 + 20 },
      ]);
      expect(await ctx.store.apiKeys.listForAccount(a.id)).toEqual([
        { ...k, revoked_at: T0 + 10, last_used_at: T0 + 20 },
      ]);
      expect(await ctx.store.apiKeys.listForAccount(b.id)).toEqual([kb]);
      expect(await ctx.store.apiKeys.findActiveByHash(k.hash)).toBeUndefined();
      await ctx.store.accounts.delete(b.id);
      await ctx.store.apiKeys.recordUse([{ account_id: b.id, id: kb.id, at: T0 + 30 }]);
      expect(await ctx.store.apiKeys.listForAccount(b.id)).toEqual([]);
    });
  });
}
