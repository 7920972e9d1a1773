// Deliveries of rate-limited webhooks parked in the store: their lease extended until about their
// turn (rate-limit.ts parkMs) and forgotten by the scheduler, so that the backlog behind a limit
// waits in the store, not in memory, and no replica's re-read takes it before its turn.
//
// What is remembered here is each parked lease's reference until its park ends, for two things:
// a change of the webhook's limit gives them back at once (leasable again, re-read in due order)
// instead of at the end of parks timed for the old limit; and the owner is woken when parks end
// (`onEnded`, one timer, at most once every `gapMs`), so that it re-reads the store for them then
// rather than at its next periodic re-read, which may be later than its lanes can wait.
//
// Guarantees: at most REMEMBERED_MAX references in all (beyond that a park is not remembered and
// simply ends when timed, at most PARK_MS_MAX later); a reference is dropped once its park ended
// (the store may have leased the delivery again: giving back a stale reference changes nothing),
// from the front of its webhook's list as parks come, and everywhere when the set is full and a
// park has ended (a full pass, so at most once per park end).

import type { LeaseRef } from "../storage/store";

/** Parked leases remembered at most, across webhooks (about 100 bytes each). */
const REMEMBERED_MAX = 50_000;

interface Parked {
  ref: LeaseRef;
  /** When its park ends (ms). */
  until: number;
}

export interface ParkedLeasesOptions {
  now: () => number;
  /** Called when parks have ended since the last call (not more often than gapMs). */
  onEnded?: () => void;
  /** Least time between two onEnded calls (ms). */
  gapMs?: number;
}

export class ParkedLeases {
  /** By webhook, in the order parked; parks end in about that order (slots only move on). */
  private readonly byWebhook = new Map<string, Parked[]>();
  private count = 0;
  /** No park ends before this (ms): until then a full set has nothing to drop. */
  private nextEnd = Number.POSITIVE_INFINITY;
  private readonly now: () => number;
  private wakeTimer: ReturnType<typeof setTimeout> | undefined;
  private wakeAt = Number.POSITIVE_INFINITY;
  private lastWake = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: ParkedLeasesOptions) {
    this.now = opts.now;
  }

  /** References remembered. */
  get size(): number {
    return this.count;
  }

  /** Remembers a lease parked for `parkMs` (when there is room). */
  add(webhook: string, ref: LeaseRef, parkMs: number): void {
    const now = this.now();
    let list = this.byWebhook.get(webhook);
    if (list !== undefined) this.prune(webhook, list, now);
    if (this.count >= REMEMBERED_MAX && now >= this.nextEnd) this.pruneAll(now);
    if (this.count >= REMEMBERED_MAX) return;
    list = this.byWebhook.get(webhook);
    if (list === undefined) {
      list = [];
      this.byWebhook.set(webhook, list);
    }
    list.push({ ref, until: now + parkMs });
    this.count++;
    this.nextEnd = Math.min(this.nextEnd, now + parkMs);
    this.arm(now + parkMs, now);
  }

  /** Stops the wake-up timer (shutdown); takeAll() still answers what is parked. */
  stop(): void {
    if (this.wakeTimer !== undefined) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeAt = Number.POSITIVE_INFINITY;
  }

  /** Forgets the webhook's parked leases still parked and answers them, in the order parked. */
  take(webhook: string): LeaseRef[] {
    const list = this.byWebhook.get(webhook);
    if (list === undefined) return [];
    this.byWebhook.delete(webhook);
    this.count -= list.length;
    const now = this.now();
    return list.filter((p) => p.until > now).map((p) => p.ref);
  }

  /** Forgets every parked lease still parked and answers them (shutdown). */
  takeAll(): LeaseRef[] {
    const now = this.now();
    const out: LeaseRef[] = [];
    for (const list of this.byWebhook.values()) {
      for (const p of list) if (p.until > now) out.push(p.ref);
    }
    this.byWebhook.clear();
    this.count = 0;
    this.nextEnd = Number.POSITIVE_INFINITY;
    return out;
  }

  /** Sets the one timer for a park ending at `end`, if sooner than the one set (and gapMs apart). */
  private arm(end: number, now: number): void {
    if (this.opts.onEnded === undefined) return;
    const at = Math.max(end, this.lastWake + (this.opts.gapMs ?? 0));
    if (this.wakeTimer !== undefined && at >= this.wakeAt) return;
    if (this.wakeTimer !== undefined) clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(() => this.wake(), Math.max(0, at - now));
    this.wakeTimer.unref?.();
  }

  private wake(): void {
    this.wakeTimer = undefined;
    this.wakeAt = Number.POSITIVE_INFINITY;
    const now = this.now();
    this.lastWake = now;
    this.opts.onEnded?.();
    // The next park to end: each webhook's first one still parked (parks end in about list order).
    let next = Number.POSITIVE_INFINITY;
    for (const [webhook, list] of this.byWebhook) {
      this.prune(webhook, list, now);
      const first = list[0];
      if (first !== undefined) next = Math.min(next, first.until);
    }
    if (next !== Number.POSITIVE_INFINITY) this.arm(next, now);
  }

  /** Drops every reference whose park ended (when full: O(n), at most once per add). */
  private pruneAll(now: number): void {
    this.nextEnd = Number.POSITIVE_INFINITY;
    for (const [webhook, list] of this.byWebhook) {
      const kept = list.filter((p) => p.until > now);
      for (const p of kept) this.nextEnd = Math.min(this.nextEnd, p.until);
      this.count -= list.length - kept.length;
      if (kept.length === 0) this.byWebhook.delete(webhook);
      else this.byWebhook.set(webhook, kept);
    }
  }

  /** Drops the references whose park ended (from the front: the oldest parks). */
  private prune(webhook: string, list: Parked[], now: number): void {
    let ended = 0;
    while (ended < list.length && (list[ended] as Parked).until <= now) ended++;
    if (ended === 0) return;
    list.splice(0, ended);
    this.count -= ended;
    if (list.length === 0) this.byWebhook.delete(webhook);
  }
}
