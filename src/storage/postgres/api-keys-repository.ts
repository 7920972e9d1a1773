// API keys; authentication finds the unrevoked key by its hash (cached, see ./read-cache.ts).

import type { ApiKeyRecord } from "../records";
import type { ApiKeyRepository } from "../store";
import type { PgContext } from "./pg-context";
import { toDb } from "./pg-text";
import { type ApiKeyRow, apiKeyOf } from "./rows";

export const apiKeyParams = (k: ApiKeyRecord) => [
  toDb(k.id),
  toDb(k.account_id),
  toDb(k.hash),
  toDb(k.prefix),
  k.created_at,
  k.revoked_at,
];

/** The select list of an api_keys insert whose six values start at parameter $first. */
export const INSERT_API_KEY_VALUES = (first: number) =>
  Array.from({ length: 6 }, (_, i) => `$${first + i}${i >= 4 ? "::int8" : "::text"}`).join(", ");

export function apiKeysRepository(ctx: PgContext): ApiKeyRepository {
  const { client, s, caches } = ctx;
  return {
    async create(key) {
      const rows = await client.run(
        `INSERT INTO ${s}.api_keys (id, account_id, hash, prefix, created_at, revoked_at)
         SELECT ${INSERT_API_KEY_VALUES(1)} FROM ${s}.accounts WHERE id = $2 RETURNING id`,
        apiKeyParams(key),
      );
      caches.apiKeys.clear();
      if (rows.length === 0) throw new Error(`account ${key.account_id} does not exist`);
    },

    findActiveByHash: (hash) =>
      caches.apiKeys.get(hash, async () => {
        const [row] = await client.run<ApiKeyRow>(
          `SELECT * FROM ${s}.api_keys WHERE hash = $1 AND revoked_at IS NULL`,
          [toDb(hash)],
        );
        return row && apiKeyOf(row);
      }),

    async listForAccount(accountId) {
      const rows = await client.run<ApiKeyRow>(
        `SELECT * FROM ${s}.api_keys WHERE account_id = $1 ORDER BY id DESC`,
        [toDb(accountId)],
      );
      return rows.map(apiKeyOf);
    },

    async revoke(accountId, keyId, at) {
      try {
        const rows = await client.run(
          `UPDATE ${s}.api_keys SET revoked_at = $3 WHERE account_id = $1 AND id = $2 AND revoked_at IS NULL
           RETURNING id`,
          [toDb(accountId), toDb(keyId), at],
        );
        return rows.length === 1;
      } finally {
        caches.apiKeys.clear();
      }
    },
  };
}
