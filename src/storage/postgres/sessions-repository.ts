// Dashboard sessions, one row each by the hash of their id (migration 009). Uncached: a session is
// read once per dashboard request, by primary key.

import type { KeyScope, SessionRecord } from "../records";
import type { SessionRepository } from "../store";
import type { PgContext } from "./pg-context";
import { fromDb, fromDbOrNull, int8NotNull, toDb, toDbOrNull } from "./pg-text";

interface SessionRow {
  id_hash: string;
  kind: string;
  account_id: string | null;
  key_hash: string | null;
  origin: string;
  scopes: string[];
  csrf_token: string;
  created_at: string | number;
  expires_at: string | number;
  last_seen_at: string | number;
}

const sessionOf = (r: SessionRow): SessionRecord => ({
  id_hash: fromDb(r.id_hash),
  kind: r.kind as SessionRecord["kind"],
  account_id: fromDbOrNull(r.account_id),
  key_hash: fromDbOrNull(r.key_hash),
  origin: r.origin as SessionRecord["origin"],
  scopes: r.scopes as KeyScope[],
  csrf_token: fromDb(r.csrf_token),
  created_at: int8NotNull(r.created_at),
  expires_at: int8NotNull(r.expires_at),
  last_seen_at: int8NotNull(r.last_seen_at),
});

export function sessionsRepository(ctx: PgContext): SessionRepository {
  const { client, s } = ctx;
  return {
    async create(r) {
      await client.run(
        `INSERT INTO ${s}.sessions (id_hash, kind, account_id, key_hash, origin, scopes, csrf_token,
           created_at, expires_at, last_seen_at)
         VALUES ($1, $2, $3, $4, $5, $6::text[], $7, $8, $9, $10)
         ON CONFLICT (id_hash) DO UPDATE SET kind = $2, account_id = $3, key_hash = $4, origin = $5,
           scopes = $6::text[], csrf_token = $7, created_at = $8, expires_at = $9, last_seen_at = $10`,
        [
          toDb(r.id_hash),
          r.kind,
          toDbOrNull(r.account_id),
          toDbOrNull(r.key_hash),
          r.origin,
          r.scopes,
          toDb(r.csrf_token),
          r.created_at,
          r.expires_at,
          r.last_seen_at,
        ],
      );
    },

    async get(idHash) {
      const [row] = await client.run<SessionRow>(`SELECT * FROM ${s}.sessions WHERE id_hash = $1`, [
        toDb(idHash),
      ]);
      return row && sessionOf(row);
    },

    async touch(idHash, at) {
      await client.run(
        `UPDATE ${s}.sessions SET last_seen_at = $2 WHERE id_hash = $1 AND last_seen_at < $2`,
        [toDb(idHash), at],
      );
    },

    async delete(idHash) {
      await client.run(`DELETE FROM ${s}.sessions WHERE id_hash = $1`, [toDb(idHash)]);
    },

    // Each condition has its index; SKIP LOCKED leaves rows another replica's purge holds.
    async purgeExpired(now, idleMs, limit) {
      if (!Number.isSafeInteger(limit) || limit < 1) return 0;
      const rows = await client.run(
        `DELETE FROM ${s}.sessions WHERE id_hash IN (
           SELECT id_hash FROM ${s}.sessions WHERE expires_at < $1 OR last_seen_at < $2
           LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING 1`,
        [now, now - idleMs, limit],
      );
      return rows.length;
    },
  };
}
