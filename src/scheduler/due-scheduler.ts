// The runtime scheduler: leases due work from the store (the truth, shared by every replica) into
// an in-memory timer that holds only what falls due within a short horizon, and hands each lease to
// the dispatcher when it falls due. It knows leases, ids and due times only.
//
// With the dispatcher it speaks through one callback and a few calls: `onDue(held)` hands a lease
// out; the dispatcher answers each one exactly once, with `done(id)` when its lease was used up
// (outcome recorded) or lost, `giveBack(held)` when it attempted nothing, or `leftOut(held)` when
// it had no room for it; `schedule(held)` hands in a lease taken elsewhere (by a publish, or relet
// by recording an attempt whose retry falls due soon).
//
// Guarantees:
// - a delivery is handed out only under a live lease of this replica (DueWork: a live lease is
//   never granted twice), and an id is never handed out twice at once here;
// - memory is bounded whatever the backlog: the timer plus the leases handed out never exceed
//   `heldMax` through refills (leases handed in may add at most `heldMax / 10` more; beyond that
//   they are given back);
// - start is instant: nothing is leased before `start()` returns; refills lease `batch` entries a
//   page, one page a turn, so a million pending entries never block the event loop;
// - nothing is lost: leases given back (left out, shutdown) are leasable at once by any replica,
//   and this one finds them again by the cursor moving forward, or by a re-read from the earliest
//   left out (rescanSoon), or by a full re-read at least every `rescanMs`; a killed replica's
//   leases expire and are leased by the others;
// - `stop()` gives back every lease in the timer; `settled()` resolves once those are released;
// - worst-case lateness with room to spare is the event loop's own for leases handed in, and
//   `refillMs` for entries the scheduler learns about only from the store.

import type { Logger } from "../observability/logger";
import type { DueEntry } from "../storage/records";
import type { DueWork, Lease } from "../storage/store";
import { HeapTimer } from "./heap-timer";
import { type HeldLease, heldLease, leaseDue } from "./held-lease";
import { LeaseReturns } from "./lease-returns";
import type { Timer } from "./timer";

export interface DueSchedulerOptions {
  work: DueWork;
  /** This replica's id: the owner of its leases. */
  owner: string;
  /** Lease length asked for, counted from each delivery's due time. */
  leaseMs: number;
  logger: Logger;
  /** Hands a due lease to the dispatcher, which answers it with done(), giveBack() or leftOut(). */
  onDue: (held: HeldLease) => void;
  /** True while nothing should be leased (the disk is full: no outcome could be recorded). */
  paused?: () => boolean;
  now?: () => number;
  /** How far ahead entries are leased into memory. */
  horizonMs?: number;
  /** Leases in memory at most (the timer's plus those handed out). */
  heldMax?: number;
  /** Entries leased per page. */
  batch?: number;
  /** How often the store is asked for entries that came into the horizon. */
  refillMs?: number;
  /** How often the store is re-read from its start, for entries left out or given back. */
  rescanMs?: number;
  /** Least time between two re-reads asked for by rescanSoon(). */
  rescanGapMsMin?: number;
}

export type SchedulerTuning = Pick<
  DueSchedulerOptions,
  "horizonMs" | "heldMax" | "batch" | "refillMs" | "rescanMs" | "rescanGapMsMin"
>;

type Tuning = Required<SchedulerTuning>;

/** Refill failures logged at most once in this long, unless their message changes. */
const FAILURE_LOG_GAP_MS = 10_000;

export class DueScheduler {
  private readonly tuning: Tuning;
  private readonly now: () => number;
  private readonly timer: Timer<HeldLease>;
  private readonly returns: LeaseReturns;
  /** Ids handed out by onDue and not yet answered. */
  private readonly out = new Set<string>();
  /** The last entry read by the forward pass; undefined restarts from the queue's start. */
  private cursor: DueEntry | undefined;
  private lastRescan = 0;
  private running = false;
  private refilling = false;
  private refillAgain = false;
  /** The last refill stopped for want of room; done() resumes it. */
  private starved = false;
  /** A re-read was asked for (entries were left out and there is room again). */
  private rescanWanted = false;
  /** The earliest entry left out since the last re-read; a re-read starts there. */
  private leftOutMin: DueEntry | undefined;
  /** The next re-read starts at the queue's start, whatever was left out (rescanFromStart). */
  private fromStartWanted = false;
  private lastReread = 0;
  /** Fires the timer's next due entry: a timeout, or an immediate when it is due already. */
  private fireTimer:
    | { timeout: ReturnType<typeof setTimeout> }
    | { immediate: ReturnType<typeof setImmediate> }
    | undefined;
  private fireAt = Number.POSITIVE_INFINITY;
  private refillTimer: ReturnType<typeof setTimeout> | undefined;
  private lastFailure = { text: "", at: 0 };

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
    this.timer = new HeapTimer<HeldLease>({ now: this.now() });
    this.returns = new LeaseReturns({ work: deps.work, owner: deps.owner, logger: deps.logger });
  }

  /** Leases in memory at most (the timer plus those handed out), through refills. */
  get heldMax(): number {
    return this.tuning.heldMax;
  }

  /** How far ahead entries are leased. */
  get horizonMs(): number {
    return this.tuning.horizonMs;
  }

  /** Leases waiting in the timer. */
  get size(): number {
    return this.timer.size;
  }

  /** Ids handed out and not yet answered. */
  get handedOut(): number {
    return this.out.size;
  }

  /** Leases this replica holds through the scheduler: in the timer or handed out. */
  get leasesHeld(): number {
    return this.inMemory();
  }

  /** How many more leases may be handed in by schedule() now (what a publish may lease). */
  room(): number {
    if (!this.running) return 0;
    const { heldMax } = this.tuning;
    return Math.max(0, heldMax + Math.floor(heldMax / 10) - this.inMemory());
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastRescan = this.now();
    this.requestRefill();
  }

  /** Stops the timers and gives back every lease in the timer; see settled(). */
  stop(): void {
    this.running = false;
    this.disarm();
    if (this.refillTimer) clearTimeout(this.refillTimer);
    this.refillTimer = undefined;
    this.returns.give(this.timer.clear().map((item) => item.value.lease));
  }

  /** Resolves once every lease given back so far has been released to the store. */
  settled(): Promise<void> {
    return this.returns.settled();
  }

  /**
   * Hands in a lease taken elsewhere (a publish's first attempt, or relet for a retry): it fires at
   * its due time. Given back at once, and false, when stopped or memory is full.
   */
  schedule(held: HeldLease): boolean {
    const id = held.lease.delivery.id;
    if (!this.running || this.out.has(id) || (!this.timer.has(id) && this.room() === 0)) {
      this.returns.give([held.lease]);
      return false;
    }
    this.timer.schedule(id, leaseDue(held.lease, this.now()), held);
    this.arm();
    return true;
  }

  /**
   * A delivery was made due at `due` by hand: a lease the timer holds for it fires then if sooner;
   * otherwise the store is re-read from there soon.
   */
  hurry(deliveryId: string, due: number): void {
    if (!this.running) return;
    const held = this.timer.get(deliveryId);
    if (held) {
      this.timer.schedule(deliveryId, Math.min(due, leaseDue(held.lease, due)), held);
      this.arm();
      return;
    }
    this.noteLeftOut({ delivery_id: "", due });
    this.rescanSoon();
  }

  /** The dispatcher is done with a lease handed out (its outcome recorded, or the lease lost). */
  done(deliveryId: string): void {
    if (!this.out.delete(deliveryId)) return;
    if (!this.starved || !this.running || this.inMemory() >= this.tuning.heldMax) return;
    this.starved = false;
    this.requestRefill();
  }

  /** Gives back leases taken elsewhere and never handed in (a publish whose flush failed). */
  release(leases: Iterable<Lease>): void {
    this.returns.give(leases);
  }

  /** The dispatcher attempted nothing under a lease handed out: it goes back to the store. */
  giveBack(held: HeldLease): void {
    this.returns.give([held.lease]);
    this.done(held.lease.delivery.id);
  }

  /** The dispatcher had no room for a lease handed out: it goes back, and is re-read later. */
  leftOut(held: HeldLease): void {
    this.giveBack(held);
    this.noteLeftOut({ delivery_id: held.lease.delivery.id, due: leaseDue(held.lease, this.now()) });
  }

  /**
   * There is room again for entries left out: re-read the store soon from the earliest of them
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

  /**
   * Deliveries made leasable again at a time the caller knew (rate-limited ones parked in the
   * store) are due back, wherever they sit in the queue: re-read it soon from its start.
   */
  rescanFromStart(): void {
    this.fromStartWanted = true;
    this.rescanSoon();
  }

  private noteLeftOut(entry: DueEntry): void {
    const min = this.leftOutMin;
    if (!min || entry.due < min.due || (entry.due === min.due && entry.delivery_id < min.delivery_id)) {
      this.leftOutMin = entry;
    }
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
    setImmediate(() => void this.refill());
  }

  /** Leases one page, then schedules the next page or the next pass. Never rejects. */
  private async refill(): Promise<void> {
    let more = false;
    try {
      if (this.running && !this.deps.paused?.()) more = await this.loadPage(this.now());
    } catch (err) {
      this.refillFailed(err);
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

  /** Leases one page into the timer; true when the page was full (more may follow). */
  private async loadPage(now: number): Promise<boolean> {
    this.choosePass(now);
    const room = this.tuning.heldMax - this.inMemory();
    if (room <= 0) {
      this.starved = true; // done() resumes as soon as the dispatcher frees room
      return false;
    }
    const limit = Math.min(this.tuning.batch, room);
    const { owner, leaseMs } = this.deps;
    const until = now + this.tuning.horizonMs;
    const leases = await this.deps.work.lease({ owner, until, limit, leaseMs, after: this.cursor });
    if (!this.running) {
      this.returns.give(leases);
      return false;
    }
    for (const lease of leases) this.take(lease, now);
    this.arm();
    const more = leases.length === limit;
    // Caught up with the horizon: the next pass continues from the cursor, unless a full re-read
    // is due (to find entries left out while memory was full, given back, or never handed in).
    if (!more && now - this.lastRescan >= this.tuning.rescanMs) this.cursor = undefined;
    return more;
  }

  /** Puts a lease from the store into the timer; given back when its id is handed out already. */
  private take(lease: Lease, askedAt: number): void {
    const id = lease.delivery.id;
    const due = leaseDue(lease, askedAt);
    this.cursor = { delivery_id: id, due };
    // Our earlier lease on it ran out while its attempt went on (that outcome will be fenced):
    // never two attempts of one id here at once.
    if (this.out.has(id)) {
      this.returns.give([lease]);
      return;
    }
    // A lease in the timer that ran out was replaced in the store by this one (a higher token).
    this.timer.schedule(id, due, heldLease(lease, askedAt));
  }

  /** Moves the cursor back for a re-read when one was asked for (from the earliest left out). */
  private choosePass(now: number): void {
    if (this.rescanWanted && now - this.lastReread >= this.tuning.rescanGapMsMin) {
      this.rescanWanted = false;
      this.lastReread = now;
      // Strictly after [due, ""] is everything due at that time or later.
      this.cursor =
        this.leftOutMin && !this.fromStartWanted ? { due: this.leftOutMin.due, delivery_id: "" } : undefined;
      this.leftOutMin = undefined;
      this.fromStartWanted = false;
    }
    if (this.cursor === undefined) {
      this.lastRescan = now;
      this.leftOutMin = undefined;
    }
  }

  /**
   * Sets the fire timer for the timer's next due entry, if sooner than the one already set. An entry
   * due already (a publish's first attempts) fires at the end of this turn, with whatever else is
   * handed in during it, rather than after a timeout's minimum of about a millisecond.
   */
  private arm(): void {
    if (!this.running) return;
    const next = this.timer.nextDue();
    if (next === undefined) return;
    if (this.fireTimer && next >= this.fireAt) return;
    this.disarm();
    this.fireAt = next;
    const wait = next - this.now();
    if (wait > 0) {
      const timeout = setTimeout(() => this.fire(), wait);
      this.fireTimer = { timeout };
      timeout.unref?.();
    } else {
      const immediate = setImmediate(() => this.fire());
      this.fireTimer = { immediate };
      immediate.unref?.();
    }
  }

  private disarm(): void {
    if (this.fireTimer && "timeout" in this.fireTimer) clearTimeout(this.fireTimer.timeout);
    if (this.fireTimer && "immediate" in this.fireTimer) clearImmediate(this.fireTimer.immediate);
    this.fireTimer = undefined;
    this.fireAt = Number.POSITIVE_INFINITY;
  }

  private fire(): void {
    this.fireTimer = undefined;
    this.fireAt = Number.POSITIVE_INFINITY;
    if (!this.running) return;
    for (const entry of this.timer.advance(this.now())) {
      this.out.add(entry.key);
      try {
        this.deps.onDue(entry.value);
      } catch (err) {
        this.deps.logger.error("dispatch failed", { delivery_id: entry.key, error: errorText(err) });
        this.giveBack(entry.value);
      }
    }
    this.arm();
  }

  private refillFailed(err: unknown): void {
    const text = errorText(err);
    const at = this.now();
    if (text === this.lastFailure.text && at - this.lastFailure.at < FAILURE_LOG_GAP_MS) return;
    this.lastFailure = { text, at };
    this.deps.logger.error("scheduler refill failed", { error: text });
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
