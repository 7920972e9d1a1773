// A webhook's signing secret: "whsec_" + base64 of 32 random bytes, a 256-bit HMAC key. Made here,
// when a webhook is registered; the delivery path only reads it (src/delivery/signing.ts).

import { randomBytes } from "node:crypto";
import { formatDuration, parseDuration } from "../config/units";
import { DomainError } from "./errors";

/** Every secret starts with this; Standard Webhooks keys are the base64 after it. */
export const SECRET_PREFIX = "whsec_";

/** A new webhook secret. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString("base64");
}

/** Overlap when a rotation names none: a day for receivers to switch. */
export const ROTATION_OVERLAP_MS_DEFAULT = 24 * 60 * 60 * 1000;
/** Longest overlap a rotation may ask for. */
export const ROTATION_OVERLAP_MS_MAX = 7 * 24 * 60 * 60 * 1000;

/** The previous secret while its overlap lasts, else undefined. */
export function activePrevious(
  webhook: { previous_secret?: { secret: string; expires_at: number } },
  nowMs: number,
): string | undefined {
  const previous = webhook.previous_secret;
  return previous !== undefined && nowMs < previous.expires_at ? previous.secret : undefined;
}

/**
 * A rotation's overlap in ms from its request field (a duration as in the config, "0s" for none;
 * absent: the default). Refused, naming the field and why, when unreadable or over the maximum.
 */
export function rotationOverlapMs(overlap: string | undefined): number {
  if (overlap === undefined) return ROTATION_OVERLAP_MS_DEFAULT;
  let ms: number;
  try {
    ms = parseDuration(overlap);
  } catch (error) {
    throw overlapInvalid(`must be a duration such as "24h" or "0s": ${(error as Error).message}`);
  }
  if (ms > ROTATION_OVERLAP_MS_MAX) {
    throw overlapInvalid(
      `must be at most ${formatDuration(ROTATION_OVERLAP_MS_MAX)}, got ${JSON.stringify(overlap)}`,
    );
  }
  return ms;
}

const overlapInvalid = (reason: string) =>
  DomainError.invalid("the rotation is not valid", [{ field: "/overlap", reason }]);
