// Retention: every `intervalMs`, removes attempts and finished events older than `retentionMs`.
//
// Guarantees:
// - never one long write: the store is purged `batch` records at a time, with a turn of the event
//   loop between batches, so publishes and attempt results interleave with a large purge;
// - a sweep goes on until a batch removes nothing, so a backlog is cleared in one sweep;
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
}

export interface RetentionJob {
  /** Stops the sweeps; resolves once the batch in progress (if any) has finished. */
  stop(): Promise<void>;
  /** Runs one sweep now (after the one in progress, if any) and answers what it removed. */
  sweep(): Promise<RetentionResult>;
}

export function startRetention(opts: RetentionOptions): RetentionJob {
  const intervalMs = opts.intervalMs ?? 60_000;
  const batch = opts.batch ?? 500;
  const now = opts.now ?? Date.now;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: Promise<RetentionResult> = Promise.resolve({ attempts: 0, events: 0, deliveries: 0 });

  const runSweep = async (): Promise<RetentionResult> => {
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
      await new Promise<void>((resolve) => setImmediate(resolve));
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

  const sweep = (): Promise<RetentionResult> => {
    current = current
      .catch(() => undefined)
      .then(runSweep)
      .catch((err) => {
        opts.logger.error("retention sweep failed", {
          error: err instanceof Error ? err.message : String(err),
        });
        return { attempts: 0, events: 0, deliveries: 0 };
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
