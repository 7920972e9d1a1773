// The two signatures an Inbox delivery carries, computed and checked exactly as the public docs'
// verifySignature does (hex HMAC-SHA256 keyed by the secret string) and as Standard Webhooks does
// (base64 HMAC-SHA256 of "id.timestamp.body", keyed by the base64 part of the whsec_ secret).

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** A secret in the server's format: "whsec_" followed by base64 key bytes. */
export function newSecret(): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

/** The X-Inbox-Signature header value for `body`. */
export function inboxSignature(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** The Standard Webhooks `webhook-signature` header value. */
export function standardSignature(secret: string, msgId: string, timestampSec: number, body: string): string {
  const key = Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
  const mac = createHmac("sha256", key).update(`${msgId}.${timestampSec}.${body}`).digest("base64");
  return `v1,${mac}`;
}

/**
 * True when `header` is "sha256=<hex>" and the hex is the HMAC of the exact body bytes keyed by the
 * secret string. Constant-time on the digest, as the docs' example is.
 */
export function verifyInboxSignature(secret: string, body: Uint8Array, header: string | null): boolean {
  if (!header?.startsWith("sha256=")) return false;
  const received = Buffer.from(header.slice(7), "hex");
  const expected = createHmac("sha256", secret).update(body).digest();
  return received.length === expected.length && timingSafeEqual(received, expected);
}
