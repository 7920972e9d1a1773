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

/** Rows that each of LARGE_TABLES must hold, by its statistics, before statements use cached plans. */
export const GENERIC_PLANS_ROWS_MIN = 10_000;

/** The tables that grow with the traffic (the others stay small: a scan of them is cheap). */
export const LARGE_TABLES = ["deliveries", "events", "attempts"] as const;

/** LARGE_TABLES of schema `s` (quoted) as a list of oids, for `c.oid IN (…)`. */
export const largeTableOids = (s: string) => LARGE_TABLES.map((t) => `'${s}.${t}'::regclass`).join(", ");

/**
 * The `clock` CTE of the hot statements (publish, lease, renew, release, record) on schema `s`: the
 * store's time as `clock.ms`, and the session's plan_cache_mode for the statements that follow.
 * Bun prepares statements, and PostgreSQL switches a prepared statement to a generic (cached) plan
 * after five runs, costed with the statistics of that moment: on a new database those say the
 * tables are tiny, and the cached plan then joins each batch to a sequential scan of deliveries for
 * as long as the connection lives (10 M rows read for 20,000 deliveries). So while the statistics
 * of a LARGE_TABLES table count fewer than GENERIC_PLANS_ROWS_MIN rows (or none: never analyzed), the session
 * makes a custom plan for every run, with the table's current size and the batch's real length;
 * from then on each statement is planned once per connection and its plan cached (planning costs
 * PostgreSQL about 0.4 ms a statement, most of its work at a few rows a statement), and a plan
 * costed for that many rows reaches rows by key (a batch's lookups against a scan of 10,000 rows).
 * Forced, not "auto": auto keeps custom plans when the batches are smaller than the 10 rows a
 * generic plan assumes, which is exactly the low-rate case where planning costs most. A later
 * ANALYZE that finds the table small again invalidates cached plans: at most one run per connection
 * is planned generically on those statistics before the mode goes back to custom plans. The mode is the session's, so it applies to every
 * statement on the connection (all of them this store's). set_config is used instead of a startup
 * parameter (PgBouncer refuses unknown ones); it is volatile, so the CTE is evaluated once a statement.
 */
export const clockCte = (s: string) => `clock AS (SELECT ${CLOCK_SQL} AS ms,
  set_config('plan_cache_mode', CASE WHEN (SELECT min(c.reltuples) FROM pg_class c
    WHERE c.oid IN (${largeTableOids(s)})) >= ${GENERIC_PLANS_ROWS_MIN}
    THEN 'force_generic_plan' ELSE 'force_custom_plan' END, false) AS plans)`;

/**
 * A condition that is always true, for the outermost WHERE of a statement with clockCte: as a
 * one-time filter it evaluates the clock CTE before anything else, so set_config runs even when
 * the statement touches no row (a CTE is otherwise evaluated only when a row asks for it).
 */
export const PLANS_SET = "(SELECT plans FROM clock) IS NOT NULL";

/** Validates a schema name and quotes it. */
export function quoteSchema(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new RangeError(`schema name must match ^[a-z_][a-z0-9_]{0,62}$, got ${JSON.stringify(name)}`);
  }
  return `"${name}"`;
}
