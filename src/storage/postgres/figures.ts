// The store's figures on PostgreSQL (pending backlog, size), which would need a count or a
// catalog read: refreshed in the background every `intervalMs` on an unref'd timer, so figures()
// never touches the database. A refresh that fails keeps the last figures (asOf tells their age).

import type { Logger } from "../../observability/logger";
import type { StoreFigures } from "../store";
import type { PgClient } from "./pg-client";

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
  }
}
