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

/** Validates a schema name and quotes it. */
export function quoteSchema(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new RangeError(`schema name must match ^[a-z_][a-z0-9_]{0,62}$, got ${JSON.stringify(name)}`);
  }
  return `"${name}"`;
}
