// Dashboard sessions by the hash of their id (sub-database sessions), with their expiry and last
// use indexed in dashboard_expiry (./dashboard-expiry.ts) so the purge reads only ended sessions.
// Every write is one job of the write batcher, so touch, delete and purge never interleave.

import type { SessionRecord } from "../records";
import type { SessionRepository } from "../store";
import { endedBefore, putExpiry, removeExpiry, SESSION_EXPIRES, SESSION_SEEN } from "./dashboard-expiry";
import type { Databases } from "./lmdb-databases";
import { settled } from "./sync-read";
import type { WriteBatcher } from "./write-batcher";

const read = (dbs: Databases, idHash: string) => dbs.sessions.get(idHash) as SessionRecord | undefined;

/** Removes a session and its index entries; runs inside a write transaction. */
function removeSession(dbs: Databases, idHash: string): boolean {
  const stored = read(dbs, idHash);
  if (!stored) return false;
  dbs.sessions.removeSync(idHash);
  removeExpiry(dbs, SESSION_EXPIRES, stored.expires_at, idHash);
  removeExpiry(dbs, SESSION_SEEN, stored.last_seen_at, idHash);
  return true;
}

/**
 * Removes up to `limit` ended sessions; runs inside a write transaction. Fewer than `limit` only
 * when no other ended session is left: the idle walk reads `limit` entries, since up to
 * `ended.size` of them may be sessions the expiry walk already took.
 */
function purgeEnded(dbs: Databases, now: number, idleMs: number, limit: number): number {
  const ended = new Set(endedBefore(dbs, SESSION_EXPIRES, now, limit));
  for (const hash of endedBefore(dbs, SESSION_SEEN, now - idleMs, limit)) {
    if (ended.size >= limit) break;
    ended.add(hash);
  }
  let removed = 0;
  for (const hash of ended) if (removeSession(dbs, hash)) removed++;
  return removed;
}

export function sessionsRepository(dbs: Databases, writer: WriteBatcher): SessionRepository {
  return {
    create: (session) =>
      writer.run(() => {
        removeSession(dbs, session.id_hash);
        dbs.sessions.putSync(session.id_hash, session);
        putExpiry(dbs, SESSION_EXPIRES, session.expires_at, session.id_hash);
        putExpiry(dbs, SESSION_SEEN, session.last_seen_at, session.id_hash);
      }),

    get: (idHash) => settled(() => read(dbs, idHash)),

    touch: (idHash, at) =>
      writer.run(() => {
        const stored = read(dbs, idHash);
        if (!stored || stored.last_seen_at >= at) return;
        dbs.sessions.putSync(idHash, { ...stored, last_seen_at: at });
        removeExpiry(dbs, SESSION_SEEN, stored.last_seen_at, idHash);
        putExpiry(dbs, SESSION_SEEN, at, idHash);
      }),

    delete: (idHash) =>
      writer.run(() => {
        removeSession(dbs, idHash);
      }),

    purgeExpired: (now, idleMs, limit) =>
      Number.isSafeInteger(limit) && limit >= 1
        ? writer.run(() => purgeEnded(dbs, now, idleMs, limit))
        : Promise.resolve(0),
  };
}
