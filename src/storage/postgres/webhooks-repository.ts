// Webhooks. Invariant kept with the publish and delivery statements: a delivery is pending only
// while its webhook exists and is enabled; delete and disable cancel the backlog in the same
// transaction (./cancellation.ts). Reads by id and per account go through the read caches: another
// replica's change is seen within READ_CACHE_MS_MAX, this replica's own at once.

import { OPERATOR_ACCOUNT_ID } from "../../domain/operator";
import { decodeCursor, encodeCursor, pageLimit, pageOf } from "../cursor";
import type { WebhookRecord } from "../records";
import type { WebhookRepository } from "../store";
import { cancelPendingOf } from "./cancellation";
import type { Queryable } from "./pg-client";
import type { PgContext } from "./pg-context";
import { toDb, toDbOrNull } from "./pg-text";
import { type WebhookRow, webhookControlParams, webhookOf } from "./rows";

/** $1-$8: every column that update() writes (never the secrets: rotateSecret owns them). */
const webhookParams = (w: WebhookRecord) => [
  toDb(w.id),
  toDb(w.account_id),
  toDb(w.url),
  w.events.map(toDb),
  toDbOrNull(w.description),
  w.enabled,
  w.created_at,
  w.updated_at,
];

/** Why and when it was disabled (null while enabled, or unknown in an older record). */
const disablingParams = (w: WebhookRecord) => [w.disabled_reason ?? null, w.disabled_at ?? null];

/** $9-$11: the secrets, written by create(). */
const secretParams = (w: WebhookRecord) => [
  toDb(w.secret),
  w.previous_secret ? toDb(w.previous_secret.secret) : null,
  w.previous_secret?.expires_at ?? null,
];

/** The meta row whose lock serializes the creation of the operator's webhooks. */
const OPERATOR_LOCK_KEY = "lock:operator_webhooks";

export function webhooksRepository(ctx: PgContext): WebhookRepository {
  const { client, s, caches } = ctx;
  /**
   * Serializes creates in one account (the count that follows is a statement of its own, so its
   * snapshot sees every create committed before the lock): the account row's lock, or for the
   * operator, which has no account row (src/domain/operator.ts), the lock of a meta row kept for
   * it (no advisory locks: PostgreSQL-compatible databases may lack them, see pg-store.ts).
   */
  const lockAccount = async (tx: Queryable, accountId: string) => {
    if (accountId === OPERATOR_ACCOUNT_ID) {
      await tx.run(`INSERT INTO ${s}.meta (key, value) VALUES ($1, '') ON CONFLICT (key) DO NOTHING`, [
        OPERATOR_LOCK_KEY,
      ]);
      await tx.run(`SELECT key FROM ${s}.meta WHERE key = $1 FOR UPDATE`, [OPERATOR_LOCK_KEY]);
      return;
    }
    const [acct] = await tx.run(`SELECT id FROM ${s}.accounts WHERE id = $1 FOR UPDATE`, [toDb(accountId)]);
    if (!acct) throw new Error(`account ${accountId} does not exist`);
  };
  const exists = async (tx: Queryable, webhook: WebhookRecord) =>
    (
      await tx.run(`SELECT 1 FROM ${s}.webhooks WHERE id = $1 AND account_id = $2`, [
        toDb(webhook.id),
        toDb(webhook.account_id),
      ])
    ).length > 0;
  const changed = () => {
    caches.webhooks.clear();
    caches.webhookLists.clear();
  };
  const byId = (id: string) =>
    caches.webhooks.get(id, async () => {
      const [row] = await client.run<WebhookRow>(`SELECT * FROM ${s}.webhooks WHERE id = $1`, [toDb(id)]);
      return row && webhookOf(row);
    });
  const ofAccount = async (accountId: string) =>
    (await caches.webhookLists.get(accountId, async () => {
      const rows = await client.run<WebhookRow>(
        `SELECT * FROM ${s}.webhooks WHERE account_id = $1 ORDER BY id`,
        [toDb(accountId)],
      );
      return rows.map(webhookOf);
    })) ?? [];

  return {
    async create(webhook, perAccountMax) {
      try {
        return await client.transaction(async (tx) => {
          await lockAccount(tx, webhook.account_id);
          if (perAccountMax !== undefined) {
            const [row] = await tx.run<{ n: string }>(
              `SELECT count(*) AS n FROM (SELECT 1 FROM ${s}.webhooks WHERE account_id = $1 LIMIT $2) x`,
              [toDb(webhook.account_id), perAccountMax],
            );
            if (Number(row?.n ?? 0) >= perAccountMax) return false;
          }
          await tx.run(
            `INSERT INTO ${s}.webhooks (id, account_id, url, events, description, enabled, created_at,
               updated_at, secret, previous_secret, previous_secret_expires_at, disabled_reason, disabled_at,
               headers, rate_limit, channels)
             VALUES ($1, $2, $3, $4::text[], $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::text[])`,
            [
              ...webhookParams(webhook),
              ...secretParams(webhook),
              ...disablingParams(webhook),
              ...webhookControlParams(webhook),
            ],
          );
          return true;
        });
      } finally {
        changed();
      }
    },

    async get(accountId, id) {
      const webhook = await byId(id);
      return webhook?.account_id === accountId ? webhook : undefined;
    },

    getById: byId,

    async list(accountId, page) {
      const limit = pageLimit(page.limit);
      const after = page.cursor
        ? (decodeCursor(page.cursor, "wh", [accountId], ["string"])[0] as string)
        : null;
      const rows = await client.run<WebhookRow>(
        after === null
          ? `SELECT * FROM ${s}.webhooks WHERE account_id = $1 ORDER BY id DESC LIMIT $2`
          : `SELECT * FROM ${s}.webhooks WHERE account_id = $1 AND id < $3 ORDER BY id DESC LIMIT $2`,
        after === null ? [toDb(accountId), limit + 1] : [toDb(accountId), limit + 1, toDb(after)],
      );
      return pageOf(rows.map(webhookOf), limit, (last) => encodeCursor("wh", [accountId], [last.id]));
    },

    async subscribers(accountId, type) {
      return (await ofAccount(accountId)).filter(
        (webhook) => webhook.enabled && (webhook.events.includes(type) || webhook.events.includes("*")),
      );
    },

    async update(webhook, expected) {
      try {
        return await client.transaction(async (tx): Promise<boolean | "stale"> => {
          // The compare-and-set is the row's own check: a concurrent write (another replica's
          // disable) holds the row lock, and this statement re-checks the row once it commits.
          const [row] = await tx.run<{ enabled: boolean }>(
            `UPDATE ${s}.webhooks SET url = $3, events = $4::text[], description = $5, enabled = $6,
               created_at = $7, updated_at = $8, disabled_reason = $9, disabled_at = $10,
               headers = $11, rate_limit = $12, channels = $13::text[]
             WHERE id = $1 AND account_id = $2
               AND ($14::int8 IS NULL OR (updated_at = $14::int8 AND enabled = $15::bool))
             RETURNING enabled`,
            [
              ...webhookParams(webhook),
              ...disablingParams(webhook),
              ...webhookControlParams(webhook),
              expected?.updated_at ?? null,
              expected?.enabled ?? null,
            ],
          );
          if (!row) return expected && (await exists(tx, webhook)) ? "stale" : false;
          if (!row.enabled) await cancelPendingOf(tx, ctx, [toDb(webhook.id)], webhook.updated_at);
          return true;
        });
      } finally {
        changed();
      }
    },

    async rotateSecret(accountId, id, secret, previousExpiresAt, at) {
      try {
        // One statement: the right-hand sides read the row as it was, so the stored secret becomes
        // the previous one however many rotations race (each sees the one before it).
        const [row] = await client.run<WebhookRow>(
          `UPDATE ${s}.webhooks SET
             previous_secret = CASE WHEN $4::int8 IS NULL THEN NULL ELSE secret END,
             previous_secret_expires_at = $4::int8, secret = $3, updated_at = GREATEST(updated_at, $5::int8)
           WHERE id = $1 AND account_id = $2 RETURNING *`,
          [toDb(id), toDb(accountId), toDb(secret), previousExpiresAt, at],
        );
        return row && webhookOf(row);
      } finally {
        changed();
      }
    },

    async disable(id, reason, at) {
      try {
        return await client.transaction(async (tx) => {
          // Only an enabled row matches: of concurrent disables (replicas seeing the same 410), the
          // row lock makes the later ones re-check it after the first commits, and they match none.
          const [row] = await tx.run<WebhookRow>(
            `UPDATE ${s}.webhooks SET enabled = false, disabled_reason = $2, disabled_at = $3::int8,
               updated_at = GREATEST(updated_at, $3::int8)
             WHERE id = $1 AND enabled RETURNING *`,
            [toDb(id), reason, at],
          );
          if (!row) return undefined;
          await cancelPendingOf(tx, ctx, [toDb(id)], at);
          return webhookOf(row);
        });
      } finally {
        changed();
      }
    },

    async delete(accountId, id) {
      try {
        return await client.transaction(async (tx) => {
          const gone = await tx.run(
            `DELETE FROM ${s}.webhooks WHERE id = $1 AND account_id = $2 RETURNING id`,
            [toDb(id), toDb(accountId)],
          );
          if (gone.length === 0) return false;
          await cancelPendingOf(tx, ctx, [toDb(id)]);
          return true;
        });
      } finally {
        changed();
      }
    },
  };
}
