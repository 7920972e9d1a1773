// API keys; authentication finds the unrevoked key by its hash (cached, see ./read-cache.ts).

import { withKeyDefaults } from "../api-key-defaults";
import type { ApiKeyRecord } from "../records";
import type { ApiKeyRepository } from "../store";
import type { PgContext } from "./pg-context";
import { toDb, toDbOrNull } from "./pg-text";
import { type ApiKeyRow, apiKeyOf } from "./rows";

/** The columns an api_keys insert writes, in apiKeyParams order. */
export const API_KEY_COLUMNS =
  "(id, account_id, hash, prefix, created_at, revoked_at, name, scopes, expires_at, last_used_at)";

export const apiKeyParams = (record: ApiKeyRecord) => {
  const k = withKeyDefaults(record);
  return [
    toDb(k.id),
    toDb(k.account_id),
    toDb(k.hash),
    toDb(k.prefix),
    k.created_at,
    k.revoked_at,
    toDbOrNull(k.name),
    k.scopes,
    k.expires_at,
    k.last_used_at,
  ];
};

const CASTS = ["text", "text", "text", "text", "int8", "int8", "text", "text[]", "int8", "int8"];

/** The select list of an api_keys insert whose values (apiKeyParams) start at parameter $first. */
export const INSERT_API_KEY_VALUES = (first: number) =>
  CASTS.map((cast, i) => `$${first + i}::${cast}`).join(", ");

export function apiKeysRepository(ctx: PgContext): ApiKeyRepository {
  const { client, s, caches } = ctx;
  return {
    async create(key) {
      const rows = await client.run(
        `INSERT INTO ${s}.api_keys ${API_KEY_COLUMNS}
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

    // No cache clear: authentication does not read last_used_at.
    async recordUse(uses) {
      if (uses.length === 0) return;
      await client.run(
        `UPDATE ${s}.api_keys k SET last_used_at = u.at
         FROM unnest($1::text[], $2::text[], $3::int8[]) AS u(account_id, id, at)
         WHERE k.account_id = u.account_id AND k.id = u.id
           AND (k.last_used_at IS NULL OR k.last_used_at < u.at)`,
        [uses.map((u) => toDb(u.account_id)), uses.map((u) => toDb(u.id)), uses.map((u) => u.at)],
      );
    },
  };
}
