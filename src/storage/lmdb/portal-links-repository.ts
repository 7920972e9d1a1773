// One-time portal links by the hash of their token (sub-database portal_links), their expiry
// indexed in dashboard_expiry (./dashboard-expiry.ts). consume reads and removes in one job of the
// write batcher: jobs run one after another, so of several consumes of one token exactly one finds
// the link (one process owns the data directory).

import type { PortalLinkRecord } from "../records";
import type { PortalLinkRepository } from "../store";
import { endedBefore, LINK_EXPIRES, putExpiry, removeExpiry } from "./dashboard-expiry";
import type { Databases } from "./lmdb-databases";
import type { WriteBatcher } from "./write-batcher";

/** Removes a link and its index entry, answering it; runs inside a write transaction. */
function takeLink(dbs: Databases, tokenHash: string): PortalLinkRecord | undefined {
  const stored = dbs.portalLinks.get(tokenHash) as PortalLinkRecord | undefined;
  if (!stored) return undefined;
  dbs.portalLinks.removeSync(tokenHash);
  removeExpiry(dbs, LINK_EXPIRES, stored.expires_at, tokenHash);
  return stored;
}

export function portalLinksRepository(dbs: Databases, writer: WriteBatcher): PortalLinkRepository {
  return {
    create: (link) =>
      writer.run(() => {
        takeLink(dbs, link.token_hash);
        dbs.portalLinks.putSync(link.token_hash, link);
        putExpiry(dbs, LINK_EXPIRES, link.expires_at, link.token_hash);
      }),

    consume: (tokenHash, now) =>
      writer.run(() => {
        const link = takeLink(dbs, tokenHash);
        return link && link.expires_at > now ? link : undefined;
      }),

    purgeExpired: (now, limit) =>
      Number.isSafeInteger(limit) && limit >= 1
        ? writer.run(() => {
            let removed = 0;
            for (const hash of endedBefore(dbs, LINK_EXPIRES, now, limit)) if (takeLink(dbs, hash)) removed++;
            return removed;
          })
        : Promise.resolve(0),
  };
}
