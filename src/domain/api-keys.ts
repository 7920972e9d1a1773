// API keys: random 256-bit secrets shown once, stored only as SHA-256 hex. A fast hash is safe here
// because the keys are random (no dictionary to grind); hashes are compared in constant time.

import { randomBytes, timingSafeEqual } from "node:crypto";
import { type ApiKeyRecord, KEY_SCOPES, type KeyScope } from "../storage/records";
import type { Store } from "../storage/store";
import { newId } from "./ids";

/** Characters of a key kept in clear (`ik_AbCd1234`) so people can tell their keys apart. */
const PREFIX_LENGTH = 11;

export const ADMIN_KEY_HASH_META = "admin_key_hash";

/**
 * Who a request acts as: the operator (admin key, every scope) or one account (its API key, with
 * that key's scopes and expiry).
 */
export type Principal =
  | { kind: "admin" }
  | {
      kind: "account";
      accountId: string;
      keyId: string;
      scopes: readonly KeyScope[];
      expiresAt: number | null;
    };

/**
 * SHA-256 of the key's UTF-8 bytes, hex. Every authenticated request hashes its key, so this uses
 * Bun's one-shot native hash (the same digest as node:crypto's createHash, which took 2-3 times as
 * long here).
 */
export function hashApiKey(key: string): string {
  return Bun.CryptoHasher.hash("sha256", key, "hex");
}

/** Constant-time equality of two hex digests (different lengths are simply unequal). */
export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

function randomKey(prefix: string): string {
  return `${prefix}${randomBytes(32).toString("base64url")}`;
}

export function generateAdminKey(): string {
  return randomKey("ik_admin_");
}

/** What a new key is: its label, scopes (KEY_SCOPES order) and expiry; the defaults of POST .../keys. */
export interface KeySpec {
  name: string | null;
  scopes: readonly KeyScope[];
  expiresAt: number | null;
}

export const DEFAULT_KEY_SPEC: KeySpec = { name: null, scopes: KEY_SCOPES, expiresAt: null };

/** A new account key: the clear key (to show once) and the record to store. */
export function issueApiKey(
  accountId: string,
  now: number,
  spec: KeySpec = DEFAULT_KEY_SPEC,
): { apiKey: string; record: ApiKeyRecord } {
  const apiKey = randomKey("ik_");
  return {
    apiKey,
    record: {
      id: newId("key", now),
      account_id: accountId,
      hash: hashApiKey(apiKey),
      prefix: apiKey.slice(0, PREFIX_LENGTH),
      created_at: now,
      revoked_at: null,
      name: spec.name,
      scopes: KEY_SCOPES.filter((scope) => spec.scopes.includes(scope)),
      expires_at: spec.expiresAt,
      last_used_at: null,
    },
  };
}

/**
 * The principal a bearer key stands for, or undefined. The admin hash is compared in constant time;
 * account keys are found by hash lookup, which reveals nothing useful since the hash of a random key
 * cannot be steered by a caller. A revoked key is no longer found, so it fails at once; an expired
 * one fails from its expires_at on, checked against `now` on every call (the lookup may be cached,
 * the expiry never is). `used` hears of every successful account key (for last_used_at).
 */
export async function authenticateKey(
  store: Store,
  key: string,
  now: number = Date.now(),
  used?: (record: ApiKeyRecord) => void,
): Promise<Principal | undefined> {
  if (key.length === 0 || key.length > 512) return undefined;
  return authenticateHash(store, hashApiKey(key), now, used);
}

/** As authenticateKey, for a key known only by its hash (a dashboard session keeps no more). */
export async function authenticateHash(
  store: Store,
  hash: string,
  now: number,
  used?: (record: ApiKeyRecord) => void,
): Promise<Principal | undefined> {
  const adminHash = await store.meta.get(ADMIN_KEY_HASH_META);
  if (adminHash !== undefined && hashesEqual(hash, adminHash)) return { kind: "admin" };
  const record = await store.apiKeys.findActiveByHash(hash);
  if (!record || record.revoked_at !== null) return undefined;
  const expiresAt = record.expires_at ?? null;
  if (expiresAt !== null && expiresAt <= now) return undefined;
  used?.(record);
  return {
    kind: "account",
    accountId: record.account_id,
    keyId: record.id,
    scopes: record.scopes ?? KEY_SCOPES,
    expiresAt,
  };
}
