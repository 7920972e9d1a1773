// One-time portal links, one row each by the hash of their token (migration 009). consume is one
// DELETE ... RETURNING: PostgreSQL lets exactly one of several concurrent deletes of a row (from
// any replica) return it; the others wait for its commit and find nothing.

import type { PortalLinkRecord } from "../records";
import type { PortalLinkRepository } from "../store";
import type { PgContext } from "./pg-context";
import { fromDb, int8NotNull, toDb } from "./pg-text";

interface PortalLinkRow {
  token_hash: string;
  account_id: string;
  created_at: string | number;
  expires_at: string | number;
}

const linkOf = (r: PortalLinkRow): PortalLinkRecord => ({
  token_hash: fromDb(r.token_hash),
  account_id: fromDb(r.account_id),
  created_at: int8NotNull(r.created_at),
  expires_at: int8NotNull(r.expires_at),
});

export function portalLinksRepository(ctx: PgContext): PortalLinkRepository {
  const { client, s } = ctx;
  return {
    async create(r) {
      await client.run(
        `INSERT INTO ${s}.portal_links (token_hash, account_id, created_at, expires_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (token_hash) DO UPDATE SET account_id = $2, created_at = $3, expires_at = $4`,
        [toDb(r.token_hash), toDb(r.account_id), r.created_at, r.expires_at],
      );
    },

    // An expired link is removed as well, and answered as absent.
    async consume(tokenHash, now) {
      const [row] = await client.run<PortalLinkRow>(
        `DELETE FROM ${s}.portal_links WHERE token_hash = $1 RETURNING *`,
        [toDb(tokenHash)],
      );
      if (!row) return undefined;
      const link = linkOf(row);
      return link.expires_at > now ? link : undefined;
    },

    async purgeExpired(now, limit) {
      if (!Number.isSafeInteger(limit) || limit < 1) return 0;
      const rows = await client.run(
        `DELETE FROM ${s}.portal_links WHERE token_hash IN (
           SELECT token_hash FROM ${s}.portal_links WHERE expires_at < $1
           LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING 1`,
        [now, limit],
      );
      return rows.length;
    },
  };
}
