// The store's figures on PostgreSQL (pending backlog, size), which would need a count or a
// catalog read: refreshed in the background every `intervalMs` on an unref'd timer, so figures()
// never touches the database. A refresh that fails keeps the last figures (asOf tells their age).
// The refresh also analyzes the large tables when they have grown past their statistics (analyzeWhenGrown).

import type { Logger } from "../../observability/logger";
import type { StoreFigures } from "../store";
import type { PgClient } from "./pg-client";
import { GENERIC_PLANS_ROWS_MIN, LARGE_TABLES, largeTableOids } from "./pg-context";

export const FIGURES_INTERVAL_MS_DEFAULT = 5_000;

export class FiguresRefresher {
  private current: StoreFigures = { pendingDeliveries: 0, sizeBytes: 0, asOf: 0 };
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly client: PgClient,
    /** The schema's name, unquoted (a parameter of the size query). */
    private readonly schemaName: string,
    private readonly s: string,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  get(): StoreFigures {
    return this.current;
  }

  /** Refreshes now, then every `intervalMs`. */
  async start(intervalMs: number): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  /** One refresh (joined when one is under way); never rejects. */
  refresh(): Promise<void> {
    this.running ??= this.read()
      .catch((error) =>
        this.logger.warn("store figures not refreshed", {
          error: error instanceof Error ? error.message : String(error),
        }),
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async read(): Promise<void> {
    const asOf = this.now();
    const [row] = await this.client.run<{ pending: string; size: string | null }>(
      `SELECT (SELECT count(*) FROM ${this.s}.deliveries WHERE status = 'pending') AS pending,
        (SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relkind = 'r') AS size`,
      [this.schemaName],
    );
    this.current = { pendingDeliveries: Number(row?.pending ?? 0), sizeBytes: Number(row?.size ?? 0), asOf };
    await this.analyzeWhenGrown();
  }

  /**
   * Analyzes each of LARGE_TABLES once it holds GENERIC_PLANS_ROWS_MIN live rows while its
   * statistics still say fewer (never analyzed on a new database: autovacuum looks once a minute),
   * so the hot statements may use cached plans (see clockCte) without waiting for autovacuum. Done
   * a few times in a table's life; several replicas doing it at once is harmless.
   */
  private async analyzeWhenGrown(): Promise<void> {
    const stale = await this.client.run<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_stat_user_tables t ON t.relid = c.oid
       WHERE c.oid IN (${largeTableOids(this.s)})
         AND c.reltuples < $1 AND t.n_live_tup >= $1`,
      [GENERIC_PLANS_ROWS_MIN],
    );
    for (const { name } of stale) {
      const table = LARGE_TABLES.find((n) => n === name);
      if (table) await this.client.run(`ANALYZE ${this.s}.${table}`);
    }
  }
}
