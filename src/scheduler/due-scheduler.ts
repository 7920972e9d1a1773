// The runtime scheduler: moves pending attempts from the store's due-time queue (the truth) into an
// in-memory timer wheel that holds only what falls due within a short horizon, and hands each id
// to the dispatcher when it falls due.
//
// Guarantees:
// - memory is bounded whatever the backlog: the wheel plus what the dispatcher holds never exceeds
//   `maxHeld` ids through refills (announced entries may add at most `maxHeld / 10` more);
// - start is instant: nothing is loaded before `start()` returns; refills page through the queue
//   `batch` entries at a time with a yield between pages, so a million pending entries never block
//   the event loop (the HTTP server answers while the backlog loads);
// - an id is never fired twice at once: ids held by the wheel or the dispatcher are skipped when
//   the queue is read again, and the wheel is keyed by delivery id;
// - nothing is lost: entries not announced, or left out while memory was full, are found by the
//   cursor moving forward through the queue, or by a full re-read at least every `rescanMs` (sooner
//   when the dispatcher asks for one with rescanSoon(), after it had to leave entries out);
// - worst-case lateness with room to spare is the timer granularity (`tickMs`) for announced
//   entries, and `refillMs` for entries the scheduler learns about only from the store.

import type { Logger } from "../observability/logger";
import type { DueEntry } from "../storage/records";
import type { DueQueue } from "../storage/store";
import { TimerWheel } from "./timer-wheel";

export interface DueSchedulerOptions {
  queue: DueQueue;
  logger: Logger;
  /** Hands a due id to the dispatcher. */
  onDue: (deliveryId: string) => void;
  /** True while the dispatcher holds the id (waiting or in flight). */
  holds: (deliveryId: string) => boolean;
  /** How many ids the dispatcher holds; counts toward `maxHeld`. */
  held: () => number;
  now?: () => number;
  /** How far ahead entries are loaded into memory. */
  horizonMs?: number;
  /** Ids in memory at most (wheel plus dispatcher). */
  maxHeld?: number;
  /** Entries read from the store per page. */
  batch?: number;
  /** How often the queue is read for entries that came into the horizon. */
  refillMs?: number;
  /** How often the queue is re-read from its start, for entries left out or never announced. */
  rescanMs?: number;
  /** Least time between two re-reads asked for by rescanSoon(). */
  minRescanGapMs?: number;
  tickMs?: number;
}

export class DueScheduler {
  private readonly opts: Required<Omit<DueSchedulerOptions, "queue" | "logger" | "onDue" | "holds" | "held">>;
  private readonly wheel: TimerWheel<true>;
  /** The last entry read by the forward pass; undefined restarts from the queue's start. */
  private cursor: DueEntry | undefined;
  private lastRescan = 0;
  private running = false;
  private refilling = false;
  private refillAgain = false;
  /** The last refill stopped for want of room; poke() resumes it. */
  private starved = false;
  /** A re-read was asked for (entries were left out and there is room again). */
  private rescanWanted = false;
  /** The earliest entry left out since the last re-read; a re-read starts there. */
  private leftOutMin: DueEntry | undefined;
  private lastReread = 0;
  private fireTimer: ReturnType<typeof setTimeout> | undefined;
  private fireAt = Number.POSITIVE_INFINITY;
  private refillTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly deps: DueSchedulerOptions) {
    this.opts = {
      now: deps.now ?? Date.now,
      horizonMs: deps.horizonMs ?? 60_000,
      maxHeld: deps.maxHeld ?? 50_000,
      batch: deps.batch ?? 1_000,
      refillMs: deps.refillMs ?? 1_000,
      rescanMs: deps.rescanMs ?? 10_000,
      minRescanGapMs: deps.minRescanGapMs ?? 100,
      tickMs: deps.tickMs ?? 10,
    };
    this.wheel = new TimerWheel<true>({ now: this.opts.now(), tickMs: this.opts.tickMs });
  }

  /** Ids waiting in the wheel. */
  get size(): number {
    return this.wheel.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastRescan = this.opts.now();
    this.requestRefill();
  }

  stop(): void {
    this.running = false;
    if (this.fireTimer) clearTimeout(this.fireTimer);
    if (this.refillTimer) clearTimeout(this.refillTimer);
    this.fireTimer = undefined;
    this.refillTimer = undefined;
    this.fireAt = Number.POSITIVE_INFINITY;
  }

  /**
   * Puts an entry the caller knows about (just published, or rescheduled after an attempt) into
   * the wheel when it falls within the horizon and memory allows; otherwise the store's queue
   * brings it later. Moves an id already in the wheel to its new due time.
   */
  schedule(entry: DueEntry): boolean {
    if (!this.running || this.deps.holds(entry.delivery_id)) return false;
    const now = this.opts.now();
    if (entry.due >= now + this.opts.horizonMs) {
      this.wheel.cancel(entry.delivery_id);
      return false;
    }
    const known = this.wheel.has(entry.delivery_id);
    if (!known && this.inMemory() >= this.opts.maxHeld + Math.floor(this.opts.maxHeld / 10)) return false;
    this.wheel.schedule(entry.delivery_id, entry.due, true);
    this.arm();
    return true;
  }

  /** Forgets an id (its delivery was cancelled); harmless when unknown. */
  cancel(deliveryId: string): void {
    this.wheel.cancel(deliveryId);
  }

  /** The dispatcher freed room: read more from the store now rather than at the next refill. */
  poke(): void {
    if (!this.starved || !this.running || this.inMemory() >= this.opts.maxHeld) return;
    this.starved = false;
    this.requestRefill();
  }

  /** The dispatcher had to leave this entry out (its webhook's lane was full); it stays in the store. */
  leftOut(entry: DueEntry): void {
    const min = this.leftOutMin;
    if (!min || entry.due < min.due || (entry.due === min.due && entry.delivery_id < min.delivery_id)) {
      this.leftOutMin = entry;
    }
  }

  /**
   * There is room again for entries left out: re-read the queue soon from the earliest of them
   * (from its start when none was reported), at most once every `minRescanGapMs`.
   */
  rescanSoon(): void {
    if (!this.running) return;
    this.rescanWanted = true;
    if (this.refilling) {
      this.refillAgain = true;
      return;
    }
    const wait = this.lastReread + this.opts.minRescanGapMs - this.opts.now();
    if (wait <= 0) {
      this.requestRefill();
      return;
    }
    if (this.refillTimer) clearTimeout(this.refillTimer);
    this.refillTimer = setTimeout(() => this.requestRefill(), wait);
    this.refillTimer.unref?.();
  }

  private inMemory(): number {
    return this.wheel.size + this.deps.held();
  }

  private requestRefill(): void {
    if (!this.running) return;
    if (this.refilling) {
      this.refillAgain = true;
      return;
    }
    if (this.refillTimer) clearTimeout(this.refillTimer);
    this.refillTimer = undefined;
    this.refilling = true;
    // Never inside the caller's turn: refills always run on their own.
    setImmediate(() => this.refillPage());
  }

  /** Reads one page of the queue into the wheel, then schedules the next page or the next pass. */
  private refillPage(): void {
    let more = false;
    try {
      if (!this.running) return;
      const now = this.opts.now();
      if (this.rescanWanted && now - this.lastReread >= this.opts.minRescanGapMs) {
        this.rescanWanted = false;
        this.lastReread = now;
        // Strictly after [due, ""] is everything due at that time or later.
        this.cursor = this.leftOutMin ? { due: this.leftOutMin.due, delivery_id: "" } : undefined;
        this.leftOutMin = undefined;
      }
      if (this.cursor === undefined) {
        this.lastRescan = now;
        this.leftOutMin = undefined;
      }
      const room = this.opts.maxHeld - this.inMemory();
      if (room <= 0) {
        this.starved = true; // poke() resumes as soon as the dispatcher frees room
        return;
      }
      const limit = Math.min(this.opts.batch, room);
      const page = this.deps.queue.scan(now + this.opts.horizonMs, limit, this.cursor);
      for (const entry of page) {
        this.cursor = entry;
        if (this.wheel.has(entry.delivery_id) || this.deps.holds(entry.delivery_id)) continue;
        this.wheel.schedule(entry.delivery_id, entry.due, true);
      }
      this.arm();
      more = page.length === limit;
      // Caught up with the horizon: the next pass continues from the cursor, unless a full
      // re-read is due (to find entries left out while memory was full, or never announced).
      if (!more && now - this.lastRescan >= this.opts.rescanMs) this.cursor = undefined;
    } catch (err) {
      this.deps.logger.error("scheduler refill failed", {
        error: err instanceof Error ? err.message : String(err),
      });
    } finally {
      this.refilling = false;
      if (this.running) {
        if (more || this.refillAgain) {
          this.refillAgain = false;
          this.requestRefill();
        } else {
          this.refillTimer = setTimeout(() => this.requestRefill(), this.opts.refillMs);
          this.refillTimer.unref?.();
        }
      }
    }
  }

  /** Sets the fire timer for the wheel's next due entry, if sooner than the one already set. */
  private arm(): void {
    if (!this.running) return;
    const next = this.wheel.nextDue();
    if (next === undefined) return;
    if (this.fireTimer && next >= this.fireAt) return;
    if (this.fireTimer) clearTimeout(this.fireTimer);
    this.fireAt = next;
    this.fireTimer = setTimeout(() => this.fire(), Math.max(0, next - this.opts.now()));
    this.fireTimer.unref?.();
  }

  private fire(): void {
    this.fireTimer = undefined;
    this.fireAt = Number.POSITIVE_INFINITY;
    if (!this.running) return;
    const due = this.wheel.advance(this.opts.now());
    for (const entry of due) {
      try {
        this.deps.onDue(entry.key);
      } catch (err) {
        this.deps.logger.error("dispatch failed", {
          delivery_id: entry.key,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
    this.arm();
  }
}
