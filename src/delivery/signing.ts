// Request signing. Every delivery carries two signatures over the same exact body bytes:
//  - X-Inbox-Signature, the docs' scheme: `sha256=<hex HMAC-SHA256(body)>` keyed by the whole secret
//    string ("whsec_…", as UTF-8), which is exactly what the docs' verifySignature recomputes. It
//    covers the body only, so it says nothing about when a request was sent;
//  - the Standard Webhooks set (webhook-id, webhook-timestamp, webhook-signature): `v1,<base64
//    HMAC-SHA256("<id>.<timestamp>.<body>")>` keyed by the base64-decoded part after "whsec_", so any
//    Standard Webhooks library verifies it and can reject replays by timestamp.
// X-Inbox-Timestamp repeats webhook-timestamp (Unix seconds of this attempt) under the docs' prefix,
// for receivers that check X-Inbox-Signature and want to refuse old requests: the value is signed
// by webhook-signature, not by X-Inbox-Signature.
// During a rotation's overlap (the caller passes `previousSecret` only while it is active, see
// activePrevious in ../domain/webhook-secret.ts), X-Inbox-Signature keeps the previous secret, so
// receivers that have not switched keep verifying, and webhook-signature carries one signature per
// secret, `v1,<new> v1,<old>` (space separated, as the Standard Webhooks spec allows), so a receiver
// holding either verifies. After the overlap both use the current secret alone.
// The body must be signed as the exact bytes sent; re-serializing JSON after signing breaks both.
//
// Signing runs on every attempt, so it uses Bun's native HMAC (measured faster than node:crypto's
// createHmac, with byte-identical output) and decodes each secret's Standard Webhooks key once.

import { SECRET_PREFIX } from "../domain/webhook-secret";

/** `sha256=<hex HMAC-SHA256 of body>` keyed by the secret string itself, as the docs verify it. */
export function inboxSignature(secret: string, body: string | Uint8Array): string {
  return `sha256=${new Bun.CryptoHasher("sha256", secret).update(body).digest("hex")}`;
}

/** Decoded Standard Webhooks keys by secret; at most this many, the oldest evicted first. */
const CACHED_KEYS_MAX = 1024;
const standardKeys = new Map<string, Buffer>();

function standardKey(secret: string): Buffer {
  const cached = standardKeys.get(secret);
  if (cached) return cached;
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = Buffer.from(encoded, "base64");
  if (key.length === 0) throw new Error("webhook secret has an empty key");
  if (standardKeys.size >= CACHED_KEYS_MAX) {
    const oldest = standardKeys.keys().next().value;
    if (oldest !== undefined) standardKeys.delete(oldest);
  }
  standardKeys.set(secret, key);
  return key;
}

/**
 * Standard Webhooks signature: `v1,<base64 HMAC-SHA256 of "${msgId}.${timestampSeconds}.${body}">`,
 * keyed by the base64-decoded secret after "whsec_".
 */
export function standardSignature(
  secret: string,
  msgId: string,
  timestampSeconds: number,
  body: string | Uint8Array,
): string {
  if (!Number.isSafeInteger(timestampSeconds)) {
    throw new RangeError(`timestamp must be whole seconds, got ${timestampSeconds}`);
  }
  const mac = new Bun.CryptoHasher("sha256", standardKey(secret))
    .update(`${msgId}.${timestampSeconds}.`)
    .update(body);
  return `v1,${mac.digest("base64")}`;
}

export interface SignatureHeaders {
  "X-Inbox-Signature": string;
  /** Unix seconds of this attempt; always equal to webhook-timestamp. */
  "X-Inbox-Timestamp": string;
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/**
 * The signature and timestamp headers of one delivery attempt; `eventId` doubles as the webhook-id.
 * `previousSecret`: the secret before a rotation, only while its overlap lasts.
 */
export function signHeaders(opts: {
  secret: string;
  previousSecret?: string | undefined;
  body: string | Uint8Array;
  eventId: string;
  timestampSeconds: number;
}): SignatureHeaders {
  const { secret, previousSecret, body, eventId, timestampSeconds } = opts;
  const timestamp = String(timestampSeconds);
  const current = standardSignature(secret, eventId, timestampSeconds, body);
  return {
    "X-Inbox-Signature": inboxSignature(previousSecret ?? secret, body),
    "X-Inbox-Timestamp": timestamp,
    "webhook-id": eventId,
    "webhook-timestamp": timestamp,
    "webhook-signature":
      previousSecret === undefined
        ? current
        : `${current} ${standardSignature(previousSecret, eventId, timestampSeconds, body)}`,
  };
}
