// Attempt logs: per delivery in the order they were made, per webhook newest first with filters.
// Filters run in the statement, so every page but the last is full.

import { decodeCursor, encodeCursor, pageLimit, pageOf } from "../cursor";
import type { AttemptFilter } from "../records";
import type { AttemptRepository } from "../store";
import type { PgContext } from "./pg-context";
import { toDb } from "./pg-text";
import { ATTEMPT_COLUMNS, type AttemptRow, attemptOf, attemptParams } from "./rows";

/** WHERE conditions and parameters for a webhook's listing, after $1 account and $2 webhook. */
function conditions(filter: AttemptFilter, position: (string | number)[] | undefined) {
  const where = ["account_id = $1", "webhook_id = $2"];
  const params: unknown[] = [];
  const add = (sql: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length + 3}`));
  };
  if (filter.outcome !== undefined) add((n) => `outcome = ${n}`, filter.outcome);
  if (filter.event_type !== undefined) add((n) => `event_type = ${n}`, toDb(filter.event_type));
  if (filter.event_id !== undefined) add((n) => `event_id = ${n}`, toDb(filter.event_id));
  if (filter.since !== undefined) add((n) => `started_at >= ${n}::int8`, filter.since);
  if (filter.until !== undefined) add((n) => `started_at < ${n}::int8`, filter.until);
  if (position !== undefined) {
    params.push(position[0], toDb(position[1] as string));
    const n = params.length + 3;
    where.push(`(started_at, id) < ($${n - 1}::int8, $${n}::text)`);
  }
  return { where: where.join(" AND "), params };
}

export function attemptsRepository(ctx: PgContext): AttemptRepository {
  const { client, s } = ctx;
  return {
    async add(attempt) {
      await client.run(
        `INSERT INTO ${s}.attempts (${ATTEMPT_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
        attemptParams(attempt),
      );
    },

    async listForDelivery(deliveryId) {
      // Attempts of one delivery never overlap in time: start order is the order they were made.
      const rows = await client.run<AttemptRow>(
        `SELECT ${ATTEMPT_COLUMNS} FROM ${s}.attempts WHERE delivery_id = $1 ORDER BY started_at, id`,
        [toDb(deliveryId)],
      );
      return rows.map(attemptOf);
    },

    async listForWebhook(accountId, webhookId, filter, page) {
      const limit = pageLimit(page.limit);
      const scope = [accountId, webhookId];
      const position = page.cursor
        ? decodeCursor(page.cursor, "att", scope, ["number", "string"])
        : undefined;
      const { where, params } = conditions(filter, position);
      const rows = await client.run<AttemptRow>(
        `SELECT ${ATTEMPT_COLUMNS} FROM ${s}.attempts WHERE ${where} ORDER BY started_at DESC, id DESC LIMIT $3`,
        [toDb(accountId), toDb(webhookId), limit + 1, ...params],
      );
      return pageOf(rows.map(attemptOf), limit, (last) =>
        encodeCursor("att", scope, [last.started_at, last.id]),
      );
    },
  };
}
