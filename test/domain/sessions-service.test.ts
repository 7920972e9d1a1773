// The sessions service against a real store (LMDB; with INBOX_TEST_STORE=postgres a schema of its
// own in INBOX_TEST_DATABASE_URL), with the clock in the test's hand: who may sign in, and
// everything that ends a session (its key revoked, expired or replaced, idleness, its TTL, its
// account deleted, sign-out), plus one-time portal links.

import { beforeEach, describe, expect, test } from "bun:test";
import { AccountsService } from "../../src/domain/accounts-service";
import { ADMIN_KEY_HASH_META, hashApiKey, issueApiKey } from "../../src/domain/api-keys";
import { DomainError } from "../../src/domain/errors";
import { PORTAL_KEY_ID, SessionsService, TOUCH_MS } from "../../src/domain/sessions-service";
import { dropPostgresSchema, openPostgresStore } from "../../src/storage/postgres/pg-store";
import type { KeyScope } from "../../src/storage/records";
import type { Store } from "../../src/storage/store";
import { tempStore } from "../delivery/store-fixtures";
import { cleanupAfterEach } from "../support/cleanups";
import { silentLogger } from "../support/silent-logger";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const TTL = 12 * HOUR;
const IDLE = HOUR;
const ADMIN_KEY = "ik_admin_test-admin-key-0123456789";
const cleanups = cleanupAfterEach();

let store: Store;
let t: number;
let sessions: SessionsService;
let accounts: AccountsService;

let schemas = 0;

/** The store under test: LMDB in a temp dir, or a fresh PostgreSQL schema (dropped after the test). */
async function openTestStore(): Promise<Store> {
  if (process.env.INBOX_TEST_STORE !== "postgres") return (await tempStore(cleanups)).store;
  const url = process.env.INBOX_TEST_DATABASE_URL;
  if (!url) throw new Error("INBOX_TEST_STORE=postgres needs INBOX_TEST_DATABASE_URL");
  const schema = `sessions_${process.pid}_${++schemas}`;
  const pg = await openPostgresStore({ url, schema, poolMax: 4, logger: silentLogger, replicaId: "test" });
  cleanups.push(() => dropPostgresSchema(url, schema));
  cleanups.push(() => pg.close());
  return pg;
}

beforeEach(async () => {
  store = await openTestStore();
  t = 1_767_225_600_000; // 2026-01-01T00:00:00Z
  const now = () => t;
  sessions = new SessionsService({ store, now, ttlMs: TTL, idleMs: IDLE });
  accounts = new AccountsService({ store, now });
  await store.meta.set(ADMIN_KEY_HASH_META, hashApiKey(ADMIN_KEY));
});

async function accountWithKey(scopes: KeyScope[] = ["publish", "manage"], expiresAt: number | null = null) {
  const { account } = await accounts.create("Acme");
  const { apiKey, record } = issueApiKey(account.id, t, { name: null, scopes, expiresAt });
  await store.apiKeys.create(record);
  return { accountId: account.id, apiKey, keyId: record.id };
}

async function signedIn(key: string) {
  const result = await sessions.signIn(key);
  if (!result.ok) throw new Error(`sign-in refused: ${result.reason}`);
  return result;
}

describe("sign-in", () => {
  test("a wrong key, an empty one or a publish-only key opens nothing", async () => {
    const { apiKey } = await accountWithKey(["publish"]);
    expect(await sessions.signIn("ik_not-a-key")).toEqual({ ok: false, reason: "wrong_key" });
    expect(await sessions.signIn("   ")).toEqual({ ok: false, reason: "wrong_key" });
    expect(await sessions.signIn(apiKey)).toEqual({ ok: false, reason: "publish_only" });
  });

  test("the admin key opens an admin session; only the id's hash is stored", async () => {
    const { sessionId, session } = await signedIn(` ${ADMIN_KEY}\n`);
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session).toMatchObject({
      id_hash: hashApiKey(sessionId),
      kind: "admin",
      account_id: null,
      key_hash: hashApiKey(ADMIN_KEY),
      origin: "key",
      scopes: ["publish", "manage"],
      created_at: t,
      last_seen_at: t,
      expires_at: t + TTL,
    });
    expect(session.csrf_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await store.sessions.get(hashApiKey(sessionId))).toEqual(session);
    expect(await sessions.resume(sessionId)).toEqual({ principal: { kind: "admin" }, session });
  });

  test("a manage key opens an account session acting as that key", async () => {
    const { accountId, apiKey, keyId } = await accountWithKey(["publish", "manage"]);
    const { sessionId, session } = await signedIn(apiKey);
    expect(session).toMatchObject({ kind: "account", account_id: accountId, key_hash: hashApiKey(apiKey) });
    const resumed = await sessions.resume(sessionId);
    expect(resumed?.principal).toEqual({
      kind: "account",
      accountId,
      keyId,
      scopes: ["publish", "manage"],
      expiresAt: null,
    });
  });

  test("a key expiring before the TTL ends the session at the key's expiry", async () => {
    const expiresAt = t + 50 * MINUTE;
    const { apiKey } = await accountWithKey(["manage"], expiresAt);
    const { sessionId, session } = await signedIn(apiKey);
    expect(session.expires_at).toBe(expiresAt);
    t = expiresAt - 1;
    expect(await sessions.resume(sessionId)).toBeDefined();
    t = expiresAt;
    expect(await sessions.resume(sessionId)).toBeUndefined();
  });
});

describe("what ends a session", () => {
  test("revoking its key ends it at the next use, and the session is removed", async () => {
    const { accountId, apiKey, keyId } = await accountWithKey();
    const { sessionId, session } = await signedIn(apiKey);
    await store.apiKeys.revoke(accountId, keyId, t);
    expect(await sessions.resume(sessionId)).toBeUndefined();
    expect(await store.sessions.get(session.id_hash)).toBeUndefined();
  });

  test("a changed admin key ends admin sessions", async () => {
    const { sessionId } = await signedIn(ADMIN_KEY);
    await store.meta.set(ADMIN_KEY_HASH_META, hashApiKey("ik_admin_another-key"));
    expect(await sessions.resume(sessionId)).toBeUndefined();
    await store.meta.set(ADMIN_KEY_HASH_META, hashApiKey(ADMIN_KEY));
    expect(await sessions.resume(sessionId)).toBeUndefined(); // removed, not merely refused
  });

  test("deleting the account ends its key sessions (its keys go with it)", async () => {
    const { accountId, apiKey } = await accountWithKey();
    const { sessionId } = await signedIn(apiKey);
    await accounts.delete(accountId);
    expect(await sessions.resume(sessionId)).toBeUndefined();
  });

  test("idleness: last use counts, written at most once a minute", async () => {
    const { sessionId, session } = await signedIn(ADMIN_KEY);
    const signedInAt = t;
    t += TOUCH_MS - 1;
    expect((await sessions.resume(sessionId))?.session.last_seen_at).toBe(signedInAt);
    expect((await store.sessions.get(session.id_hash))?.last_seen_at).toBe(signedInAt);
    t += 1;
    expect((await sessions.resume(sessionId))?.session.last_seen_at).toBe(t);
    expect((await store.sessions.get(session.id_hash))?.last_seen_at).toBe(t);
    t += IDLE - 1;
    expect((await sessions.resume(sessionId))?.session.last_seen_at).toBe(t);
    t += IDLE;
    expect(await sessions.resume(sessionId)).toBeUndefined();
    expect(await store.sessions.get(session.id_hash)).toBeUndefined();
  });

  test("the TTL ends a session however often it is used", async () => {
    const { sessionId, session } = await signedIn(ADMIN_KEY);
    while (t + 30 * MINUTE < session.expires_at) {
      t += 30 * MINUTE;
      expect(await sessions.resume(sessionId)).toBeDefined();
    }
    t = session.expires_at;
    expect(await sessions.resume(sessionId)).toBeUndefined();
  });

  test("sign-out ends it; unknown, empty and overlong ids resume nothing", async () => {
    const { sessionId } = await signedIn(ADMIN_KEY);
    await sessions.signOut(sessionId);
    expect(await sessions.resume(sessionId)).toBeUndefined();
    await sessions.signOut(sessionId);
    expect(await sessions.resume("")).toBeUndefined();
    expect(await sessions.resume("x".repeat(10_000))).toBeUndefined();
    expect(await sessions.resume(ADMIN_KEY)).toBeUndefined();
  });
});

describe("portal links", () => {
  test("a link opens a portal session for its account, once", async () => {
    const { accountId } = await accountWithKey();
    const { token, expiresAt } = await sessions.createPortalLink(accountId, 5 * MINUTE);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(expiresAt).toBe(t + 5 * MINUTE);
    t += 4 * MINUTE;
    const opened = await sessions.openPortalLink(token);
    expect(opened?.session).toMatchObject({
      kind: "account",
      account_id: accountId,
      key_hash: null,
      origin: "portal",
      expires_at: t + TTL,
    });
    expect(await sessions.openPortalLink(token)).toBeUndefined();
    const resumed = await sessions.resume(opened?.sessionId ?? "");
    expect(resumed?.principal).toEqual({
      kind: "account",
      accountId,
      keyId: PORTAL_KEY_ID,
      scopes: ["publish", "manage"],
      expiresAt: t + TTL,
    });
  });

  test("an expired link opens nothing", async () => {
    const { accountId } = await accountWithKey();
    const { token } = await sessions.createPortalLink(accountId, MINUTE);
    t += MINUTE;
    expect(await sessions.openPortalLink(token)).toBeUndefined();
  });

  test("deleting the account ends its portal sessions and voids its links", async () => {
    const { accountId } = await accountWithKey();
    const first = await sessions.createPortalLink(accountId, 5 * MINUTE);
    const second = await sessions.createPortalLink(accountId, 5 * MINUTE);
    const opened = await sessions.openPortalLink(first.token);
    expect(opened).toBeDefined();
    await accounts.delete(accountId);
    expect(await sessions.resume(opened?.sessionId ?? "")).toBeUndefined();
    expect(await sessions.openPortalLink(second.token)).toBeUndefined();
  });

  test("a link for an unknown account, or with a lifetime that is not a positive whole number, is refused", async () => {
    const { accountId } = await accountWithKey();
    await expect(sessions.createPortalLink("acct_nope", MINUTE)).rejects.toMatchObject({ kind: "not_found" });
    for (const ttl of [0, -1, 1.5, Number.NaN]) {
      const refused = sessions.createPortalLink(accountId, ttl);
      await expect(refused).rejects.toBeInstanceOf(DomainError);
      await expect(refused).rejects.toMatchObject({ kind: "invalid" });
    }
    expect(await sessions.openPortalLink("")).toBeUndefined();
    expect(await sessions.openPortalLink("y".repeat(500))).toBeUndefined();
  });
});
