// Dashboard sessions and one-time portal links (issue 12). A session is opened by pasting a key
// (the admin key, or an account key with the `manage` scope) or by a portal link, and acts as that
// key: every resume checks the key again, so revoking it, its expiry, or a changed admin key ends
// the session at its next use. The browser holds only the random session id; the store keeps its
// SHA-256 hex, as it does for link tokens (a copy of the store opens nothing).
//
// Guarantees:
// - a session ends at expires_at (sign-in + TTL, or the key's own expiry when sooner) and after
//   `idleMs` without use, counted from last_seen_at, which is written at most once a TOUCH_MS;
// - a session found dead on resume is removed at once; the ones nobody resumes are purged by
//   retention (src/scheduler/retention.ts);
// - a portal link opens one session, once (the store's consume is atomic across replicas), and
//   only while its account exists; a portal session ends with its account.

import { randomBytes } from "node:crypto";
import { KEY_SCOPES, type PortalLinkRecord, type SessionRecord } from "../storage/records";
import type { Store } from "../storage/store";
import { authenticateHash, authenticateKey, hashApiKey, type Principal } from "./api-keys";
import { DomainError } from "./errors";

/** last_seen_at is written at most this often per session (one write a minute, not one a page). */
export const TOUCH_MS = 60_000;

/** The keyId of a portal session's principal: it was opened by a link, not by a key. */
export const PORTAL_KEY_ID = "portal_link";

/** Longest session id or link token looked up (ours are 43 characters); longer is refused unread. */
const SECRET_LENGTH_MAX = 128;

export type SignInResult =
  | { ok: true; sessionId: string; session: SessionRecord }
  | { ok: false; reason: "wrong_key" | "publish_only" };

export interface SessionsDeps {
  store: Store;
  now: () => number;
  /** A session's longest life from sign-in, ms (config.sessionTtlMs). */
  ttlMs: number;
  /** A session unused this long ends, ms (config.sessionIdleMs). */
  idleMs: number;
}

/** A random 256-bit secret, base64url (43 characters). */
const randomSecret = () => randomBytes(32).toString("base64url");

export class SessionsService {
  constructor(private readonly deps: SessionsDeps) {}

  /** Opens a session for a pasted key; wrong_key says nothing of which part was wrong. */
  async signIn(key: string): Promise<SignInResult> {
    const now = this.deps.now();
    const pasted = key.trim();
    const principal = await authenticateKey(this.deps.store, pasted, now);
    if (!principal) return { ok: false, reason: "wrong_key" };
    if (principal.kind === "account" && !principal.scopes.includes("manage")) {
      return { ok: false, reason: "publish_only" };
    }
    const keyExpiry = principal.kind === "account" ? principal.expiresAt : null;
    return this.open(now, {
      kind: principal.kind,
      account_id: principal.kind === "account" ? principal.accountId : null,
      key_hash: hashApiKey(pasted),
      origin: "key",
      scopes: principal.kind === "account" ? [...principal.scopes] : [...KEY_SCOPES],
      expires_at: Math.min(now + this.deps.ttlMs, keyExpiry ?? Number.POSITIVE_INFINITY),
    });
  }

  /**
   * The principal a session id acts as, or undefined when the session is unknown, expired, idle
   * too long, its key no longer authenticates, or its account is gone (a dead session is removed).
   */
  async resume(sessionId: string): Promise<{ principal: Principal; session: SessionRecord } | undefined> {
    if (sessionId.length === 0 || sessionId.length > SECRET_LENGTH_MAX) return undefined;
    const { store } = this.deps;
    const idHash = hashApiKey(sessionId);
    const session = await store.sessions.get(idHash);
    if (!session) return undefined;
    const now = this.deps.now();
    const principal = this.alive(session, now) ? await this.principalOf(session, now) : undefined;
    if (!principal) {
      await store.sessions.delete(idHash);
      return undefined;
    }
    if (now - session.last_seen_at < TOUCH_MS) return { principal, session };
    await store.sessions.touch(idHash, now);
    return { principal, session: { ...session, last_seen_at: now } };
  }

  /** Ends the session; nothing when it is unknown. */
  async signOut(sessionId: string): Promise<void> {
    if (sessionId.length === 0 || sessionId.length > SECRET_LENGTH_MAX) return;
    await this.deps.store.sessions.delete(hashApiKey(sessionId));
    await this.deps.store.flushed();
  }

  /** A one-time link token for `accountId` (which must exist), valid for `ttlMs`. */
  async createPortalLink(accountId: string, ttlMs: number): Promise<{ token: string; expiresAt: number }> {
    if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
      throw DomainError.invalid("the link's lifetime is not valid", [
        { field: "/expires_in", reason: "must be a positive whole number" },
      ]);
    }
    const { store } = this.deps;
    if (!(await store.accounts.get(accountId))) throw DomainError.notFound("account");
    const now = this.deps.now();
    const token = randomSecret();
    const link: PortalLinkRecord = {
      token_hash: hashApiKey(token),
      account_id: accountId,
      created_at: now,
      expires_at: now + ttlMs,
    };
    await store.portalLinks.create(link);
    await store.flushed();
    return { token, expiresAt: link.expires_at };
  }

  /** Takes the link (it works once) and opens a portal session for its account, if it still exists. */
  async openPortalLink(token: string): Promise<{ sessionId: string; session: SessionRecord } | undefined> {
    if (token.length === 0 || token.length > SECRET_LENGTH_MAX) return undefined;
    const { store } = this.deps;
    const now = this.deps.now();
    const link = await store.portalLinks.consume(hashApiKey(token), now);
    if (!link || !(await store.accounts.get(link.account_id))) return undefined;
    const opened = await this.open(now, {
      kind: "account",
      account_id: link.account_id,
      key_hash: null,
      origin: "portal",
      scopes: [...KEY_SCOPES],
      expires_at: now + this.deps.ttlMs,
    });
    return { sessionId: opened.sessionId, session: opened.session };
  }

  private async open(
    now: number,
    fields: Omit<SessionRecord, "id_hash" | "csrf_token" | "created_at" | "last_seen_at">,
  ): Promise<{ ok: true; sessionId: string; session: SessionRecord }> {
    const sessionId = randomSecret();
    const session: SessionRecord = {
      id_hash: hashApiKey(sessionId),
      ...fields,
      csrf_token: randomSecret(),
      created_at: now,
      last_seen_at: now,
    };
    await this.deps.store.sessions.create(session);
    await this.deps.store.flushed();
    return { ok: true, sessionId, session };
  }

  private alive(session: SessionRecord, now: number): boolean {
    return now < session.expires_at && now < session.last_seen_at + this.deps.idleMs;
  }

  /** Who the session acts as now, or undefined when what opened it no longer holds. */
  private async principalOf(session: SessionRecord, now: number): Promise<Principal | undefined> {
    const { store } = this.deps;
    if (session.kind === "admin") {
      const principal = await this.keyHolder(session, now);
      return principal?.kind === "admin" ? principal : undefined;
    }
    if (session.account_id === null) return undefined;
    if (session.origin === "portal") {
      if (!(await store.accounts.get(session.account_id))) return undefined;
      // A portal session is not a key: it acts with the session's scopes until the session ends.
      return {
        kind: "account",
        accountId: session.account_id,
        keyId: PORTAL_KEY_ID,
        scopes: session.scopes,
        expiresAt: session.expires_at,
      };
    }
    // The key that opened it, still of its account and still allowed to manage.
    const principal = await this.keyHolder(session, now);
    const holds =
      principal?.kind === "account" &&
      principal.accountId === session.account_id &&
      principal.scopes.includes("manage");
    return holds ? principal : undefined;
  }

  /** Who the session's key stands for now, as an API request with it would be authenticated. */
  private keyHolder(session: SessionRecord, now: number): Promise<Principal | undefined> {
    if (session.key_hash === null) return Promise.resolve(undefined);
    return authenticateHash(this.deps.store, session.key_hash, now);
  }
}
