// A webhook's signing secret: "whsec_" + base64 of 32 random bytes, a 256-bit HMAC key. Made here,
// when a webhook is registered; the delivery path only reads it (src/delivery/signing.ts).

import { randomBytes } from "node:crypto";

/** Every secret starts with this; Standard Webhooks keys are the base64 after it. */
export const SECRET_PREFIX = "whsec_";

/** A new webhook secret. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString("base64");
}
