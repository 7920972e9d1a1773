// Retention: every `intervalMs`, removes attempts and finished events older than `retentionMs`,
// and dashboard sessions and portal links that have ended (expired, or idle too long).
//
// Guarantees:
// - never one long write: the store is purged `batch` records at a time, with a turn of the event
//   loop between batches, so publishes and attempt results interleave with a large purge;
// - a sweep goes on until a batch removes nothing (fewer than `batch` sessions or links), so a
//   backlog is cleared in one sweep;
// - sweeps never overlap, and stop() ends the loop after the batch in progress (awaitable, so a
//   caller can close the store after it).

import type { Logger } from "../observability/logger";
import type { RetentionResult, Store } from "../storage/store";

export interface RetentionOptions {
  store: Pick<Store, "purge">;
  retentionMs: number;
  logger: Logger;
  /** Time between sweeps. Default 1 minute. */
  intervalMs?: number;
  /** Records removed per write. Default 500. */
  batch?: number;
  now?: () => number;
  /** First sweep after this long; default: one interval. */
  initialDelayMs?: number;
  /** Purges ended dashboard sessions (idle after `idleMs`) and portal links too; absent: it does not. */
  sessions?: { store: Pick<Store, "sessions" | "portalLinks">; idleMs: number };
}

/** What a sweep removed: old records, and ended sessions and portal links. */
export interface SweepResult extends RetentionResult {
  sessions: number;
  portalLinks: number;
}

const NOTHING: SweepResult = { attempts: 0, events: 0, deliveries: 0, sessions: 0, portalLinks: 0 };

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Calls `purge` (removing at most `batch`) until it removes fewer, or `stopped`; answers the total. */
async function purgeAll(
  purge: () => Promise<number>,
  batch: number,
  stopped: () => boolean,
): Promise<number> {
  let total = 0;
  while (!stopped()) {
    const removed = await purge();
    total += removed;
    if (removed < batch) break;
    await nextTurn();
  }
  return total;
}

export interface RetentionJob {
  /** Stops the sweeps; resolves once the batch in progress (if any) has finished. */
  stop(): Promise<void>;
  /** Runs one sweep now (after the one in progress, if any) and answers what it removed. */
  sweep(): Promise<SweepResult>;
}

export function startRetention(opts: RetentionOptions): RetentionJob {
  const intervalMs = opts.intervalMs ?? 60_000;
  const batch = opts.batch ?? 500;
  const now = opts.now ?? Date.now;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: Promise<SweepResult> = Promise.resolve({ ...NOTHING });

  const purgeSessions = async (): Promise<Pick<SweepResult, "sessions" | "portalLinks">> => {
    if (!opts.sessions) return { sessions: 0, portalLinks: 0 };
    const { store, idleMs } = opts.sessions;
    const at = now();
    const isStopped = () => stopped;
    const sessions = await purgeAll(() => store.sessions.purgeExpired(at, idleMs, batch), batch, isStopped);
    const portalLinks = await purgeAll(() => store.portalLinks.purgeExpired(at, batch), batch, isStopped);
    if (sessions + portalLinks > 0) {
      opts.logger.info("retention purged ended dashboard sessions", { sessions, portal_links: portalLinks });
    }
    return { sessions, portalLinks };
  };

  const purgeRecords = async (): Promise<RetentionResult> => {
    const total: RetentionResult = { attempts: 0, events: 0, deliveries: 0 };
    const before = now() - opts.retentionMs;
    let batches = 0;
    while (!stopped) {
      const removed = await opts.store.purge(before, batch);
      batches++;
      total.attempts += removed.attempts;
      total.events += removed.events;
      total.deliveries += removed.deliveries;
      if (removed.attempts + removed.events + removed.deliveries === 0) break;
      await nextTurn();
    }
    if (total.attempts + total.events + total.deliveries > 0) {
      opts.logger.info("retention purged old records", {
        ...total,
        batches,
        before: new Date(before).toISOString(),
      });
    }
    return total;
  };

  const runSweep = async (): Promise<SweepResult> => {
    const records = await purgeRecords();
    return { ...records, ...(await purgeSessions()) };
  };

  const sweep = (): Promise<SweepResult> => {
    current = current
      .catch(() => undefined)
      .then(runSweep)
      .catch((err) => {
        opts.logger.error("retention sweep failed", {
          error: err instanceof Error ? err.message : String(err),
        });
        return { ...NOTHING };
      });
    return current;
  };

  const loop = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      // Safe to not await: sweep() logs its own failure and never rejects, and stop() awaits it.
      void sweep().finally(() => loop(intervalMs));
    }, delay);
    timer.unref?.();
  };
  loop(opts.initialDelayMs ?? intervalMs);

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current.catch(() => undefined);
    },
    sweep,
  };
}
