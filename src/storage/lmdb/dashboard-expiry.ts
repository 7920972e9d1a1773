// The end times of dashboard sessions and portal links (sub-database dashboard_expiry), so that
// purging them walks only what has ended, never every session. Keys are [kind, time, hash]: within
// a kind they sort by time, so the ended ones are a prefix range.

import { type Databases, MARK } from "./lmdb-databases";

/** A session's absolute end (expires_at). */
export const SESSION_EXPIRES = "session_expires";
/** A session's last use (last_seen_at), from which its idle timeout counts. */
export const SESSION_SEEN = "session_seen";
/** A portal link's end (expires_at). */
export const LINK_EXPIRES = "link_expires";

export type ExpiryKind = typeof SESSION_EXPIRES | typeof SESSION_SEEN | typeof LINK_EXPIRES;

/** Runs inside a write transaction. */
export function putExpiry(dbs: Databases, kind: ExpiryKind, at: number, hash: string): void {
  dbs.dashboardExpiry.putSync([kind, at, hash], MARK);
}

/** Runs inside a write transaction; nothing when absent. */
export function removeExpiry(dbs: Databases, kind: ExpiryKind, at: number, hash: string): void {
  dbs.dashboardExpiry.removeSync([kind, at, hash]);
}

/** Up to `limit` hashes of `kind` whose time is before `before`, oldest first. */
export function endedBefore(dbs: Databases, kind: ExpiryKind, before: number, limit: number): string[] {
  const out: string[] = [];
  for (const key of dbs.dashboardExpiry.getKeys({ start: [kind], end: [kind, before], limit })) {
    out.push((key as [string, number, string])[2]);
  }
  return out;
}
