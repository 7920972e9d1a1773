// Conformance: dashboard sessions and one-time portal links (issue 12). Every store keeps a session
// as written and across a reopen, raises last_seen_at only forwards, purges what ended by expiry or
// by idleness at most `limit` a call, and hands a portal link out once: of concurrent consumes
// exactly one gets it, and an expired one is answered as absent and removed.

import { describe, expect, test } from "bun:test";
import type { PortalLinkRecord, SessionRecord } from "../../src/storage/records";
import { T0 } from "./fixtures";
import { freshStorePerTest, type OpenStore } from "./store-context";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function session(idHash: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id_hash: idHash,
    kind: "account",
    account_id: "acct_1",
    key_hash: "c".repeat(64),
    origin: "key",
    scopes: ["publish", "manage"],
    csrf_token: "csrf-token_value",
    created_at: T0,
    expires_at: T0 + 12 * HOUR,
    last_seen_at: T0,
    ...overrides,
  };
}

function link(tokenHash: string, overrides: Partial<PortalLinkRecord> = {}): PortalLinkRecord {
  return {
    token_hash: tokenHash,
    account_id: "acct_1",
    created_at: T0,
    expires_at: T0 + 5 * MINUTE,
    ...overrides,
  };
}

const hash = (n: number) => n.toString(16).padStart(64, "0");

export function sessionSuites(name: string, open: OpenStore): void {
  describe(`${name} store: dashboard sessions`, () => {
    const ctx = freshStorePerTest(open);

    test("sessions are read back as written, absent ones are undefined, and they survive a reopen", async () => {
      const account = session(hash(1));
      const admin = session(hash(2), { kind: "admin", account_id: null, scopes: ["publish", "manage"] });
      const portal = session(hash(3), { origin: "portal", key_hash: null, scopes: ["manage"] });
      for (const s of [account, admin, portal]) await ctx.store.sessions.create(s);
      expect(await ctx.store.sessions.get(hash(1))).toEqual(account);
      expect(await ctx.store.sessions.get(hash(2))).toEqual(admin);
      expect(await ctx.store.sessions.get(hash(3))).toEqual(portal);
      expect(await ctx.store.sessions.get(hash(4))).toBeUndefined();
      const reopened = await ctx.reopen();
      if (reopened) expect(await reopened.sessions.get(hash(3))).toEqual(portal);
    });

    test("touch raises last_seen_at and never lowers it; touching an absent session creates nothing", async () => {
      const sessions = ctx.store.sessions;
      await sessions.create(session(hash(1)));
      await sessions.touch(hash(1), T0 + 5 * MINUTE);
      expect((await sessions.get(hash(1)))?.last_seen_at).toBe(T0 + 5 * MINUTE);
      await sessions.touch(hash(1), T0 + MINUTE);
      expect(await sessions.get(hash(1))).toEqual(session(hash(1), { last_seen_at: T0 + 5 * MINUTE }));
      await sessions.touch(hash(9), T0 + MINUTE);
      expect(await sessions.get(hash(9))).toBeUndefined();
    });

    test("delete removes the session; deleting an absent one is harmless", async () => {
      await ctx.store.sessions.create(session(hash(1)));
      await ctx.store.sessions.delete(hash(1));
      await ctx.store.sessions.delete(hash(1));
      expect(await ctx.store.sessions.get(hash(1))).toBeUndefined();
      expect(await ctx.store.sessions.purgeExpired(T0 + 100 * HOUR, HOUR, 10)).toBe(0);
    });

    test("purgeExpired removes sessions past expires_at or idle too long, and keeps the rest", async () => {
      const sessions = ctx.store.sessions;
      const now = T0 + 2 * HOUR;
      await sessions.create(session(hash(1), { expires_at: now - 1, last_seen_at: now })); // expired
      await sessions.create(session(hash(2), { expires_at: now, last_seen_at: now })); // ends exactly now: kept
      await sessions.create(session(hash(3), { last_seen_at: now - HOUR - 1 })); // idle too long
      await sessions.create(session(hash(4), { last_seen_at: now - HOUR })); // idle exactly the limit: kept
      await sessions.create(session(hash(5), { last_seen_at: T0 })); // idle, but touched below
      await sessions.touch(hash(5), now - MINUTE);
      expect(await sessions.purgeExpired(now, HOUR, 100)).toBe(2);
      expect(await sessions.get(hash(1))).toBeUndefined();
      expect(await sessions.get(hash(3))).toBeUndefined();
      for (const kept of [2, 4, 5]) expect(await sessions.get(hash(kept))).toBeDefined();
      expect(await sessions.purgeExpired(now, HOUR, 100)).toBe(0);
    });

    test("purgeExpired removes at most `limit` a call, and repeated calls clear the backlog", async () => {
      const sessions = ctx.store.sessions;
      const now = T0 + 24 * HOUR;
      for (let i = 0; i < 7; i++) await sessions.create(session(hash(i), { expires_at: T0 + i }));
      for (let i = 7; i < 12; i++)
        await sessions.create(session(hash(i), { expires_at: now + HOUR, last_seen_at: T0 + i }));
      await sessions.create(session(hash(99), { expires_at: now + HOUR, last_seen_at: now }));
      const removed: number[] = [];
      for (let call = 0; call < 6; call++) removed.push(await sessions.purgeExpired(now, HOUR, 5));
      expect(removed).toEqual([5, 5, 2, 0, 0, 0]);
      expect(await sessions.get(hash(99))).toBeDefined();
      expect(await sessions.purgeExpired(now, HOUR, 0)).toBe(0);
    });
  });

  describe(`${name} store: portal links`, () => {
    const ctx = freshStorePerTest(open);

    test("a link is consumed once, and an unknown token finds nothing", async () => {
      const links = ctx.store.portalLinks;
      await links.create(link(hash(1)));
      expect(await links.consume(hash(2), T0)).toBeUndefined();
      expect(await links.consume(hash(1), T0 + MINUTE)).toEqual(link(hash(1)));
      expect(await links.consume(hash(1), T0 + MINUTE)).toBeUndefined();
    });

    test("of many concurrent consumes of one link, exactly one gets it", async () => {
      await ctx.store.portalLinks.create(link(hash(1)));
      const results = await Promise.all(
        Array.from({ length: 8 }, () => ctx.store.portalLinks.consume(hash(1), T0 + MINUTE)),
      );
      expect(results.filter((r) => r !== undefined)).toEqual([link(hash(1))]);
    });

    test("an expired link is answered as absent and removed", async () => {
      const links = ctx.store.portalLinks;
      await links.create(link(hash(1), { expires_at: T0 + MINUTE }));
      expect(await links.consume(hash(1), T0 + MINUTE)).toBeUndefined();
      // Gone: even a clock that moved back finds nothing, and the purge has nothing left.
      expect(await links.consume(hash(1), T0)).toBeUndefined();
      expect(await links.purgeExpired(T0 + HOUR, 10)).toBe(0);
    });

    test("links survive a reopen; purgeExpired removes expired ones, at most `limit` a call", async () => {
      const links = ctx.store.portalLinks;
      for (let i = 0; i < 5; i++) await links.create(link(hash(i), { expires_at: T0 + i * MINUTE }));
      await links.create(link(hash(9), { expires_at: T0 + HOUR }));
      const store = (await ctx.reopen()) ?? ctx.store;
      const now = T0 + 4 * MINUTE; // hash(4) ends exactly now: kept until it is past
      expect(await store.portalLinks.purgeExpired(now, 3)).toBe(3);
      expect(await store.portalLinks.purgeExpired(now, 3)).toBe(1);
      expect(await store.portalLinks.purgeExpired(now, 3)).toBe(0);
      expect(await store.portalLinks.consume(hash(4), now - 1)).toEqual(link(hash(4), { expires_at: now }));
      expect(await store.portalLinks.consume(hash(9), now)).toEqual(link(hash(9), { expires_at: T0 + HOUR }));
    });
  });
}
