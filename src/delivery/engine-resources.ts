// What every stage of the delivery engine shares (admission.ts, attempt.ts, delivery-engine.ts):
// the store, the one clock, the scheduler, the lease terms, the envelope cache, the send options,
// the shutdown signals, the work in flight, and the disabling and operational events. Built once
// by createDeliveryEngine; no stage keeps a second copy.

import type { Config } from "../config/config";
import type { Operations } from "../domain/operations";
import type { Logger } from "../observability/logger";
import type { Metrics } from "../observability/metrics";
import type { DueScheduler } from "../scheduler/due-scheduler";
import type { Store } from "../storage/store";
import type { FailingChecks } from "./endpoint-disabling";
import type { Envelope, EnvelopeCache } from "./envelope";
import type { RateLimits } from "./rate-limit";
import type { SendOptions } from "./sender";

export interface EngineResources {
  store: Store;
  config: Config;
  logger: Logger;
  metrics: Metrics;
  /** The engine's one clock (ms since the epoch). */
  now: () => number;
  scheduler: DueScheduler;
  leases: LeaseTerms;
  /** Envelopes of recent events, so that attempts need not read or rebuild them. */
  envelopes: EnvelopeCache;
  /** Event reads in progress, by account and event id: attempts of one fan-out share one read. */
  envelopeReads: Map<string, Promise<Envelope | null>>;
  /** Everything `send` needs besides the target and the request; its signal is `abandon`. */
  sendOptions: SendOptions;
  /** Aborted when stop() begins: nothing new is admitted or attempted. */
  stopping: AbortSignal;
  /** Aborted when the shutdown grace expires: sends in flight are cut short, nothing recorded. */
  abandon: AbortSignal;
  work: WorkInFlight;
  /** Disabling (410 Gone, failing for INBOX_DISABLE_AFTER) and the operator's events. */
  operations: Operations;
  /** When each failing webhook's health was last read (endpoint-disabling.ts). */
  failingChecks: FailingChecks;
  /** Each webhook's rate limit, as its attempts read it, and its token bucket. */
  rateLimits: RateLimits;
}

/**
 * How this replica holds leases. An attempt starts only with at least `timeoutMs + safetyMs` of its
 * lease left (renewed otherwise), and its send is cut `safetyMs` before the lease's deadline, so
 * that no send of this replica is in flight once another replica may hold the delivery.
 */
export interface LeaseTerms {
  /** This replica's id, the owner of its leases. */
  owner: string;
  /** Lease length asked for: the attempt timeout plus the lease margin. */
  leaseMs: number;
  /** How long before its lease's deadline a send is cut short: half the lease margin. */
  safetyMs: number;
  /** A retry due within this is relet with its outcome (the scheduler's horizon). */
  reletWithinMs: number;
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
