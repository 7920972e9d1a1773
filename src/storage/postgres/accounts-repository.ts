// Accounts. Deleting one removes its keys and webhooks and cancels its pending deliveries in one
// transaction; its events, deliveries and attempts stay until retention removes them.

import { decodeCursor, encodeCursor, pageLimit, pageOf } from "../cursor";
import type { AccountRecord, ApiKeyRecord } from "../records";
import type { AccountRepository } from "../store";
import { API_KEY_COLUMNS, apiKeyParams, INSERT_API_KEY_VALUES } from "./api-keys-repository";
import { cancelPendingOf } from "./cancellation";
import type { PgContext } from "./pg-context";
import { toDb } from "./pg-text";
import { type AccountRow, accountOf } from "./rows";

const accountParams = (a: AccountRecord) => [toDb(a.id), toDb(a.name), a.created_at];

export function accountsRepository(ctx: PgContext): AccountRepository {
  const { client, s, caches } = ctx;
  const changed = () => {
    caches.apiKeys.clear();
    caches.webhooks.clear();
    caches.webhookLists.clear();
  };
  return {
    async create(account: AccountRecord, firstKey: ApiKeyRecord): Promise<void> {
      await client.run(
        `WITH a AS (INSERT INTO ${s}.accounts (id, name, created_at) VALUES ($1, $2, $3) RETURNING id)
         INSERT INTO ${s}.api_keys ${API_KEY_COLUMNS}
         SELECT ${INSERT_API_KEY_VALUES(4)} FROM a`,
        [...accountParams(account), ...apiKeyParams(firstKey)],
      );
      changed();
    },

    async createFirst(account, firstKey, marker): Promise<boolean> {
      // The marker row is the lock: a concurrent first start waits for this commit, then inserts
      // nothing, and creates nothing either.
      const rows = await client.run(
        `WITH m AS (INSERT INTO ${s}.meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING
                    RETURNING key),
              a AS (INSERT INTO ${s}.accounts (id, name, created_at) SELECT $3, $4, $5 FROM m
                    WHERE NOT EXISTS (SELECT 1 FROM ${s}.accounts) RETURNING id)
         INSERT INTO ${s}.api_keys ${API_KEY_COLUMNS}
         SELECT ${INSERT_API_KEY_VALUES(6)} FROM a RETURNING id`,
        [toDb(marker.key), toDb(marker.value), ...accountParams(account), ...apiKeyParams(firstKey)],
      );
      caches.meta.clear();
      changed();
      return rows.length === 1;
    },

    async get(id) {
      const [row] = await client.run<AccountRow>(`SELECT * FROM ${s}.accounts WHERE id = $1`, [toDb(id)]);
      return row && accountOf(row);
    },

    async list(page) {
      const limit = pageLimit(page.limit);
      const after = page.cursor ? (decodeCursor(page.cursor, "acct", [], ["string"])[0] as string) : null;
      const rows = await client.run<AccountRow>(
        after === null
          ? `SELECT * FROM ${s}.accounts ORDER BY id DESC LIMIT $1`
          : `SELECT * FROM ${s}.accounts WHERE id < $2 ORDER BY id DESC LIMIT $1`,
        after === null ? [limit + 1] : [limit + 1, toDb(after)],
      );
      return pageOf(rows.map(accountOf), limit, (last) => encodeCursor("acct", [], [last.id]));
    },

    async delete(id) {
      try {
        return await client.transaction(async (tx) => {
          const gone = await tx.run(`DELETE FROM ${s}.accounts WHERE id = $1 RETURNING id`, [toDb(id)]);
          if (gone.length === 0) return false;
          await tx.run(`DELETE FROM ${s}.api_keys WHERE account_id = $1`, [toDb(id)]);
          const hooks = await tx.run<{ id: string }>(
            `DELETE FROM ${s}.webhooks WHERE account_id = $1 RETURNING id`,
            [toDb(id)],
          );
          // A statement of its own, after the deletes: its snapshot sees every delivery committed
          // by a publish that held one of these webhooks (FOR SHARE) until now.
          await cancelPendingOf(
            tx,
            ctx,
            hooks.map((h) => h.id),
          );
          return true;
        });
      } finally {
        changed();
      }
    },
  };
}
