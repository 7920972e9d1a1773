// A webhook's rate limit (issue 11): attempts per second at most, or null for none. The delivery
// engine enforces it (src/delivery); this is what may be registered. Pure.

import type { FieldIssue } from "./errors";

export const RATE_LIMIT_MIN = 1;
export const RATE_LIMIT_MAX = 10_000;

/** Why `rateLimit` cannot be registered, or undefined when it can (null: no limit). */
export function rateLimitIssue(rateLimit: number | null): FieldIssue | undefined {
  if (rateLimit === null) return undefined;
  if (Number.isInteger(rateLimit) && rateLimit >= RATE_LIMIT_MIN && rateLimit <= RATE_LIMIT_MAX)
    return undefined;
  return {
    field: "/rate_limit",
    reason: `must be an integer from ${RATE_LIMIT_MIN} to ${RATE_LIMIT_MAX.toLocaleString("en-US")} (attempts per second), or null for no limit`,
  };
}
