// The pooled connection to PostgreSQL through Bun's built-in client, and the one place where its
// failures are interpreted.
//
// Guarantees:
// - a statement or transaction that fails with a serialization failure or a deadlock (40001,
//   40P01) runs again, up to RETRIES_MAX times with full-jitter backoff; nothing else is retried
//   here, so a statement whose commit may have happened is never run twice by this layer;
// - a lost or refused connection becomes StoreUnavailableError, a full disk (53100) StoreFullError,
//   and health() says so until a statement succeeds again;
// - a call with no answer within its deadline (DEADLINE_MS unless the caller gives another; 0 for
//   none) fails with StoreUnavailableError too: a silent server (a failover that moved its address)
//   cannot hang the replica, and the pool is rebuilt as below;
// - after CONNECTION_FAILURES_REBUILD consecutive connection failures the pool is replaced by a new
//   one (at most once per REBUILD_INTERVAL_MS): Bun issue #30947 reported a pool that stayed broken
//   after the server closed every connection;
// - a transaction's callback awaits nothing but its own statements (see `transaction`), so no
//   transaction is ever held open across an HTTP call or a timer.

import { SQL } from "bun";
import type { Logger } from "../../observability/logger";
import type { StoreHealth } from "../store";
import { classify, QueryDeadlineError, storeError } from "./pg-errors";

/**
 * Named prepared statements (each connection keeps the 1,024 it used last). Bun issues #33627 (rows
 * of one prepared query returned to another) and #30494 (statement cache) made them suspect;
 * test/storage/bun-sql-stress.test.ts checks exactly those shapes on this Bun and passes with both
 * settings, and preparing saves the server a parse and plan of the large publish, lease and record
 * statements (lease + record: 5,100 -> 7,800 deliveries/s on the 2-core box). Turn this off if that
 * guard ever fails, or behind PgBouncer/Supavisor in transaction mode.
 */
export const PREPARE_STATEMENTS = true;

const RETRIES_MAX = 5;
const RETRY_BASE_MS = 5;
const CONNECTION_FAILURES_REBUILD = 3;
const REBUILD_INTERVAL_MS = 1_000;
/** Longer than any statement of the hot path or retention (5 s statement_timeout) should take. */
export const DEADLINE_MS = 15_000;

/** Runs one statement; `params` are bound as $1, $2, … */
export interface Queryable {
  run<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

/** How long a call may wait for its answer, in ms; 0 for no limit (schema migrations). */
export interface CallOptions {
  deadlineMs?: number;
}

export interface PgClientOptions {
  url: string;
  poolMax: number;
  logger: Logger;
  now: () => number;
}

export class PgClient implements Queryable {
  private sql: SQL;
  private connectionFailures = 0;
  private rebuiltAt = 0;
  /** Pools replaced since the database became unreachable: the warning is logged for the first. */
  private rebuildsWhileUnavailable = 0;
  private unavailableSince: number | undefined;
  private fullSince: number | undefined;
  private refusedWrites = 0;
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly opts: PgClientOptions) {
    this.sql = this.connect();
  }

  run<T = Record<string, unknown>>(
    text: string,
    params: unknown[] = [],
    options: CallOptions = {},
  ): Promise<T[]> {
    return this.track(() => this.sql.unsafe(text, params) as Promise<T[]>, options);
  }

  /**
   * Runs `fn` in one transaction (read committed, the server's default). `fn` must await only
   * statements on `tx`; it may run more than once (serialization retries), so it keeps no state
   * outside what it returns.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options: CallOptions = {}): Promise<T> {
    return this.track(
      () =>
        this.sql.begin((tx) =>
          fn({ run: <R>(text: string, params: unknown[] = []) => tx.unsafe(text, params) as Promise<R[]> }),
        ) as Promise<T>,
      options,
    );
  }

  health(): StoreHealth {
    const since = this.unavailableSince ?? this.fullSince;
    return {
      writable: since === undefined,
      reason:
        this.unavailableSince !== undefined ? "unavailable" : this.fullSince !== undefined ? "full" : null,
      since,
      refusedWrites: this.refusedWrites,
    };
  }

  /** Resolves once every statement started before the call has finished (committed or failed). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.settled();
    await this.sql.close({ timeout: 5 });
  }

  private connect(): SQL {
    return new SQL(this.opts.url, {
      max: this.opts.poolMax,
      idleTimeout: 30,
      connectionTimeout: 5,
      prepare: PREPARE_STATEMENTS,
    });
  }

  private track<T>(op: () => Promise<T>, options: CallOptions): Promise<T> {
    if (this.closed) return Promise.reject(new Error("the store is closed"));
    const deadlineMs = options.deadlineMs ?? DEADLINE_MS;
    const done = this.withRetry(deadlineMs > 0 ? () => withDeadline(op(), deadlineMs) : op);
    this.inFlight.add(done);
    const forget = () => this.inFlight.delete(done);
    done.then(forget, forget);
    return done;
  }

  private async withRetry<T>(op: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await op();
        this.succeeded();
        return result;
      } catch (error) {
        const kind = classify(error);
        if (kind === "retry" && attempt < RETRIES_MAX) {
          await Bun.sleep(Math.random() * RETRY_BASE_MS * 2 ** attempt);
          continue;
        }
        this.failed(kind, error);
        throw storeError(error);
      }
    }
  }

  private succeeded(): void {
    this.connectionFailures = 0;
    if (this.unavailableSince !== undefined) {
      this.opts.logger.info("database reachable again", {
        unavailable_ms: this.opts.now() - this.unavailableSince,
        pools_replaced: this.rebuildsWhileUnavailable,
      });
    }
    this.unavailableSince = undefined;
    this.rebuildsWhileUnavailable = 0;
    this.fullSince = undefined;
  }

  private failed(kind: ReturnType<typeof classify>, error: unknown): void {
    if (kind === "full") {
      this.refusedWrites++;
      this.fullSince ??= this.opts.now();
      return;
    }
    if (kind !== "connection") return;
    if (this.unavailableSince === undefined) {
      this.unavailableSince = this.opts.now();
      this.opts.logger.warn("database unreachable", { error: describe(error) });
    }
    this.connectionFailures++;
    if (this.connectionFailures >= CONNECTION_FAILURES_REBUILD) this.rebuildPool();
  }

  private rebuildPool(): void {
    const now = Date.now();
    if (this.closed || now - this.rebuiltAt < REBUILD_INTERVAL_MS) return;
    this.rebuiltAt = now;
    this.connectionFailures = 0;
    const old = this.sql;
    this.sql = this.connect();
    // Once per outage (it may be replaced every REBUILD_INTERVAL_MS while the database stays away);
    // "database reachable again" says how many times.
    if (this.rebuildsWhileUnavailable++ === 0) {
      this.opts.logger.warn("database pool replaced after repeated connection failures", {
        again_every_ms: REBUILD_INTERVAL_MS,
      });
    }
    // Not awaited: the old pool may be wedged; its connections close in the background.
    old.close({ timeout: 0 }).catch(() => undefined);
  }
}

/** `work`, or QueryDeadlineError once `ms` have passed without its answer (it goes on regardless). */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueryDeadlineError(ms)), ms);
  });
  // An answer that comes after the deadline is dropped; so is its failure.
  work.catch(() => undefined);
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
