// Small named settings (the admin key hash, bootstrap markers), as strings.

import type { MetaRepository } from "../store";
import type { PgContext } from "./pg-context";
import { fromDb, toDb } from "./pg-text";

export function metaRepository(ctx: PgContext): MetaRepository {
  const { client, s, caches } = ctx;
  return {
    get: (key) =>
      caches.meta.get(key, async () => {
        const [row] = await client.run<{ value: string }>(`SELECT value FROM ${s}.meta WHERE key = $1`, [
          toDb(key),
        ]);
        return row === undefined ? undefined : fromDb(row.value);
      }),

    async set(key, value) {
      try {
        await client.run(
          `INSERT INTO ${s}.meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2`,
          [toDb(key), toDb(value)],
        );
      } finally {
        caches.meta.clear();
      }
    },

    async claim(key, value) {
      try {
        // A concurrent insert of the same key waits for the other's commit, then does nothing.
        const rows = await client.run(
          `INSERT INTO ${s}.meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key`,
          [toDb(key), toDb(value)],
        );
        return rows.length === 1;
      } finally {
        caches.meta.clear();
      }
    },

    async delete(key) {
      try {
        await client.run(`DELETE FROM ${s}.meta WHERE key = $1`, [toDb(key)]);
      } finally {
        caches.meta.clear();
      }
    },

    // Uncached: the keys other replicas wrote are seen at once. A range on the primary key, not LIKE
    // (whose wildcards the prefix might hold); every key with the prefix sorts at or after it.
    async entries(prefix) {
      const rows = await client.run<{ key: string; value: string }>(
        `SELECT key, value FROM ${s}.meta WHERE key >= $1 ORDER BY key`,
        [toDb(prefix)],
      );
      const out: Array<[string, string]> = [];
      for (const row of rows) {
        const key = fromDb(row.key);
        if (!key.startsWith(prefix)) break;
        out.push([key, fromDb(row.value)]);
      }
      return out;
    },
  };
}
