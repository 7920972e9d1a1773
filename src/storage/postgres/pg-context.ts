// What every PostgreSQL repository shares: the client, the quoted schema, the read caches and the
// store's clock.

import type { PgClient } from "./pg-client";
import type { PgReadCaches } from "./read-cache";

export interface PgContext {
  client: PgClient;
  /** The schema, quoted, to prefix table names with: `"inbox"`. */
  s: string;
  caches: PgReadCaches;
  /**
   * The store's clock as a statement parameter: the injected clock's time, or null for the
   * database server's clock (one clock for every replica). Statements read it through CLOCK_SQL.
   */
  clock: () => number | null;
}

/** The store's time (ms) inside a statement whose $1 is `ctx.clock()`. */
export const CLOCK_SQL = "COALESCE($1::int8, (extract(epoch FROM statement_timestamp()) * 1000)::int8)";

/**
 * The `clock` CTE of the hot statements (publish, lease, renew, release, record): the store's time
 * as `clock.ms`, and the session kept on custom plans. Bun prepares statements, and PostgreSQL
 * switches a prepared statement to a generic plan after five runs, costed with the statistics of
 * that moment: on a new database those say the tables are tiny, and the cached plan then joins the
 * batch to a sequential scan of deliveries for as long as the connection lives (10 M rows read for
 * 20,000 deliveries). A custom plan is made for each run with the table's current size and the
 * batch's real length, so every lookup by key is an index lookup. set_config is used instead of a
 * startup parameter (PgBouncer refuses unknown ones); it is volatile, so the CTE is evaluated once.
 */
export const CLOCK_CTE = `clock AS (SELECT ${CLOCK_SQL} AS ms,
  set_config('plan_cache_mode', 'force_custom_plan', false) AS plans)`;

/** Validates a schema name and quotes it. */
export function quoteSchema(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new RangeError(`schema name must match ^[a-z_][a-z0-9_]{0,62}$, got ${JSON.stringify(name)}`);
  }
  return `"${name}"`;
}
