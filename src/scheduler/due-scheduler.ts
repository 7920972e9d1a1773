// The runtime scheduler: moves pending attempts from the store's due-time queue (the truth) into an
// in-memory timer that holds only what falls due within a short horizon, and hands each id to the
// dispatcher when it falls due. It knows ids and due times only.
//
// With the dispatcher it speaks through one callback and three calls: `onDue(id)` hands an id out;
// the dispatcher answers each id handed out exactly once, with `release(id)` when it is done with
// it (attempted, or found not pending) or `leftOut(entry)` when it had no room for it and left it
// in the store; `schedule(entry)` announces an entry (published, or rescheduled after an attempt).
//
// Guarantees:
// - memory is bounded whatever the backlog: the timer plus the ids handed out never exceed
//   `heldMax` through refills (announced entries may add at most `heldMax / 10` more);
// - start is instant: nothing is loaded before `start()` returns; refills page through the queue
//   `batch` entries at a time with a yield between pages, so a million pending entries never block
//   the event loop (the HTTP server answers while the backlog loads);
// - an id is never handed out twice at once: ids in the timer or handed out are skipped when the
//   queue is read again, and the timer is keyed by delivery id;
// - nothing is lost: entries not announced, or left out while memory was full, are found by the
//   cursor moving forward through the queue, or by a full re-read at least every `rescanMs` (sooner
//   when the dispatcher asks for one with rescanSoon(), after it had to leave entries out);
// - worst-case lateness with room to spare is the event loop's own for announced entries (the
//   fire timer is set for the earliest due time), and `refillMs` for entries the scheduler learns
//   about only from the store.

import type { Logger } from "../observability/logger";
import type { DueEntry } from "../storage/records";
import type { DueQueue } from "../storage/store";
import { HeapTimer } from "./heap-timer";
import type { Timer } from "./timer";

export interface DueSchedulerOptions {
  queue: DueQueue;
  logger: Logger;
  /** Hands a due id to the dispatcher, which answers it with release() or leftOut(). */
  onDue: (deliveryId: string) => void;
  now?: () => number;
  /** How far ahead entries are loaded into memory. */
  horizonMs?: number;
  /** Ids in memory at most (the timer's plus those handed out). */
  heldMax?: number;
  /** Entries read from the store per page. */
  batch?: number;
  /** How often the queue is read for entries that came into the horizon. */
  refillMs?: number;
  /** How often the queue is re-read from its start, for entries left out or never announced. */
  rescanMs?: number;
  /** Least time between two re-reads asked for by rescanSoon(). */
  rescanGapMsMin?: number;
}

type Tuning = Required<
  Pick<DueSchedulerOptions, "horizonMs" | "heldMax" | "batch" | "refillMs" | "rescanMs" | "rescanGapMsMin">
>;

export class DueScheduler {
  private readonly tuning: Tuning;
  private readonly now: () => number;
  private readonly timer: Timer<true>;
  /** Ids handed out by onDue and not yet answered. */
  private readonly out = new Set<string>();
  /** The last entry read by the forward pass; undefined restarts from the queue's start. */
  private cursor: DueEntry | undefined;
  private lastRescan = 0;
  private running = false;
  private refilling = false;
  private refillAgain = false;
  /** The last refill stopped for want of room; release() resumes it. */
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
    this.now = deps.now ?? Date.now;
    this.tuning = {
      horizonMs: deps.horizonMs ?? 60_000,
      heldMax: deps.heldMax ?? 50_000,
      batch: deps.batch ?? 1_000,
      refillMs: deps.refillMs ?? 1_000,
      rescanMs: deps.rescanMs ?? 10_000,
      rescanGapMsMin: deps.rescanGapMsMin ?? 100,
    };
    this.timer = new HeapTimer<true>({ now: this.now() });
  }

  /** Ids in memory at most (the timer plus those handed out), through refills. */
  get heldMax(): number {
    return this.tuning.heldMax;
  }

  /** Ids waiting in the timer. */
  get size(): number {
    return this.timer.size;
  }

  /** Ids handed out and not yet answered. */
  get handedOut(): number {
    return this.out.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastRescan = this.now();
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
   * the timer when it falls within the horizon and memory allows; otherwise the store's queue
   * brings it later. Moves an id already in the timer to its new due time. False when not taken.
   */
  schedule(entry: DueEntry): boolean {
    if (!this.running || this.out.has(entry.delivery_id)) return false;
    if (entry.due >= this.now() + this.tuning.horizonMs) {
      this.timer.cancel(entry.delivery_id);
      return false;
    }
    const { heldMax } = this.tuning;
    const known = this.timer.has(entry.delivery_id);
    if (!known && this.inMemory() >= heldMax + Math.floor(heldMax / 10)) return false;
    this.timer.schedule(entry.delivery_id, entry.due, true);
    this.arm();
    return true;
  }

  /** The dispatcher is done with an id handed out: it may be loaded (or scheduled) again. */
  release(deliveryId: string): void {
    if (!this.out.delete(deliveryId)) return;
    if (!this.starved || !this.running || this.inMemory() >= this.tuning.heldMax) return;
    this.starved = false;
    this.requestRefill();
  }

  /** The dispatcher had no room for an id handed out and left it in the store, due at `entry.due`. */
  leftOut(entry: DueEntry): void {
    this.release(entry.delivery_id);
    const min = this.leftOutMin;
    if (!min || entry.due < min.due || (entry.due === min.due && entry.delivery_id < min.delivery_id)) {
      this.leftOutMin = entry;
    }
  }

  /**
   * There is room again for entries left out: re-read the queue soon from the earliest of them
   * (from its start when none was reported), at most once every `rescanGapMsMin`.
   */
  rescanSoon(): void {
    if (!this.running) return;
    this.rescanWanted = true;
    if (this.refilling) {
      this.refillAgain = true;
      return;
    }
    const wait = this.lastReread + this.tuning.rescanGapMsMin - this.now();
    if (wait <= 0) {
      this.requestRefill();
      return;
    }
    if (this.refillTimer) clearTimeout(this.refillTimer);
    this.refillTimer = setTimeout(() => this.requestRefill(), wait);
    this.refillTimer.unref?.();
  }

  private inMemory(): number {
    return this.timer.size + this.out.size;
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
    setImmediate(() => this.refill());
  }

  /** Reads one page, then schedules the next page or the next pass. */
  private refill(): void {
    let more = false;
    try {
      if (this.running) more = this.loadPage(this.now());
    } catch (err) {
      this.deps.logger.error("scheduler refill failed", { error: errorText(err) });
    } finally {
      this.refilling = false;
      if (this.running && (more || this.refillAgain)) {
        this.refillAgain = false;
        this.requestRefill();
      } else if (this.running) {
        this.refillTimer = setTimeout(() => this.requestRefill(), this.tuning.refillMs);
        this.refillTimer.unref?.();
      }
    }
  }

  /** Reads one page of the queue into the timer; true when the page was full (more may follow). */
  private loadPage(now: number): boolean {
    this.choosePass(now);
    const room = this.tuning.heldMax - this.inMemory();
    if (room <= 0) {
      this.starved = true; // release() resumes as soon as the dispatcher frees room
      return false;
    }
    const limit = Math.min(this.tuning.batch, room);
    const page = this.deps.queue.scan(now + this.tuning.horizonMs, limit, this.cursor);
    for (const entry of page) {
      this.cursor = entry;
      if (this.timer.has(entry.delivery_id) || this.out.has(entry.delivery_id)) continue;
      this.timer.schedule(entry.delivery_id, entry.due, true);
    }
    this.arm();
    const more = page.length === limit;
    // Caught up with the horizon: the next pass continues from the cursor, unless a full re-read
    // is due (to find entries left out while memory was full, or never announced).
    if (!more && now - this.lastRescan >= this.tuning.rescanMs) this.cursor = undefined;
    return more;
  }

  /** Moves the cursor back for a re-read when one was asked for (from the earliest left out). */
  private choosePass(now: number): void {
    if (this.rescanWanted && now - this.lastReread >= this.tuning.rescanGapMsMin) {
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
  }

  /** Sets the fire timer for the timer's next due entry, if sooner than the one already set. */
  private arm(): void {
    if (!this.running) return;
    const next = this.timer.nextDue();
    if (next === undefined) return;
    if (this.fireTimer && next >= this.fireAt) return;
    if (this.fireTimer) clearTimeout(this.fireTimer);
    this.fireAt = next;
    this.fireTimer = setTimeout(() => this.fire(), Math.max(0, next - this.now()));
    this.fireTimer.unref?.();
  }

  private fire(): void {
    this.fireTimer = undefined;
    this.fireAt = Number.POSITIVE_INFINITY;
    if (!this.running) return;
    for (const entry of this.timer.advance(this.now())) {
      this.out.add(entry.key);
      try {
        this.deps.onDue(entry.key);
      } catch (err) {
        this.out.delete(entry.key);
        this.deps.logger.error("dispatch failed", { delivery_id: entry.key, error: errorText(err) });
      }
    }
    this.arm();
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
