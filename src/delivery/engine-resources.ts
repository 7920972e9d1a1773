// What every stage of the delivery engine shares (admission.ts, attempt.ts, delivery-engine.ts):
// the store, the one clock, the scheduler, the envelope cache, the send options, the shutdown
// signals and the work in flight. Built once by createDeliveryEngine; no stage keeps a second copy.

import type { Config } from "../config/config";
import type { Logger } from "../observability/logger";
import type { Metrics } from "../observability/metrics";
import type { DueScheduler } from "../scheduler/due-scheduler";
import type { Store } from "../storage/store";
import type { EnvelopeCache } from "./envelope";
import type { SendOptions } from "./sender";

export interface EngineResources {
  store: Store;
  config: Config;
  logger: Logger;
  metrics: Metrics;
  /** The engine's one clock (ms since the epoch). */
  now: () => number;
  scheduler: DueScheduler;
  /** Envelopes of recent events, so that attempts need not read or rebuild them. */
  envelopes: EnvelopeCache;
  /** Everything `send` needs besides the target and the request; its signal is `abandon`. */
  sendOptions: SendOptions;
  /** Aborted when stop() begins: nothing new is admitted or attempted. */
  stopping: AbortSignal;
  /** Aborted when the shutdown grace expires: sends in flight are cut short, nothing recorded. */
  abandon: AbortSignal;
  work: WorkInFlight;
}

/** The attempts, outcome writes and test sends running now, so that stop() can wait for them. */
export class WorkInFlight {
  private readonly running = new Set<Promise<unknown>>();

  get size(): number {
    return this.running.size;
  }

  /** Counts `work` until it settles, and answers it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    work.finally(() => this.running.delete(work)).catch(() => {});
    return work;
  }

  /**
   * Waits until no work is running (work started meanwhile, such as the outcome write that follows
   * an attempt, is waited for too), or until `graceMs` passed; true when none is left.
   */
  async settled(graceMs: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<"expired">((resolve) => {
      if (Number.isFinite(graceMs)) timer = setTimeout(() => resolve("expired"), Math.max(0, graceMs));
    });
    try {
      while (this.running.size > 0) {
        if ((await Promise.race([Promise.allSettled([...this.running]), expired])) === "expired")
          return false;
      }
      return true;
    } finally {
      clearTimeout(timer);
    }
  }
}
