// Per-webhook rate limits (WebhookRecord.rate_limit, attempts per second): a token bucket for each
// limited webhook, consulted by the fair limiter (fair-limiter.ts) before it starts an attempt.
//
// What a webhook's limit is, is learnt from the attempts themselves: the attempt stage reads the
// webhook before every send (attempt.ts prepare) and reports its rate_limit here. A webhook not
// known yet starts one attempt at a time until that first read reports it (a probe), so that even a
// webhook's first burst never runs past its limit; afterwards an unlimited webhook costs one map
// look-up per start.
//
// Guarantees:
// - attempts of a webhook limited to R per second start at most `burst` at once and, over any
//   time T, at most burst + R*(T + 2 ms). Burst is 1 up to 20/s: attempts start at least 1/R apart,
//   less up to LATE_MS_MAX (2 ms) when the one before started that late, so that a timer's lateness
//   is made up rather than lost (the limit is reached on average, not 2% short at 20/s). Above, it
//   is 2, and 1% of R from 200/s, so that a timer's millisecond granularity still reaches
//   10,000/s (100 starts a wake-up);
// - a change of the limit applies to every start after the attempt that reads it (that attempt
//   came within one interval of the old limit, at most 1 s; on PostgreSQL another replica's change
//   is read within READ_CACHE_MS_MAX): the bucket starts again, empty, at the new rate, and a
//   listener is told so that waits are re-timed;
// - the limit is this process's: on N replicas a webhook may receive up to N times its limit;
// - a limited webhook's excess waits in the store, not in memory: a delivery its full lane refuses
//   is parked (its lease extended, so no replica takes it meanwhile) until about when the lane
//   will have taken everything ahead of it (back half a lane early, so that the lane never runs
//   dry), at most PARK_MS_MAX (5 minutes); deliveries parked within that come back in the order
//   they were parked (due order), those further back come back together after it and are lined
//   up again (in due order) then. One that comes back to a full lane (its webhook fell behind its
//   schedule: a receiver slower than the limit) is parked again at the back of the line;
// - bounded memory: at most KNOWN_MAX webhooks are remembered; the oldest is forgotten, and probed
//   again when it has work (with more than KNOWN_MAX webhooks busy at once, a limited webhook's
//   probe may so start one attempt sooner than its limit allows).

/** Webhooks whose limit (or absence of one) is remembered at most. */
const KNOWN_MAX = 10_000;

/** Limits up to this many attempts per second start one at a time (burst 1). */
const STRICT_RATE_MAX = 20;

/**
 * Longest park, and so how far ahead slots are counted (attempts keep to their slots: timer
 * lateness is made up, see LATE_MS_MAX; a receiver slower than the limit is the exception). Parks
 * are called back when the limit changes (parked-leases.ts); 10,000 behind 1/s are lined up again
 * about every 5 minutes.
 */
export const PARK_MS_MAX = 300_000;

/** A start this late (a timer's lateness) is made up by letting the next one come that much sooner. */
const LATE_MS_MAX = 2;

/** Float error allowed in token counts: a token due "now" is never a millisecond late. */
const EPSILON = 1e-9;

/** A limit's bucket size: 1 up to 20/s, then 2, or 10 ms of attempts (1% of the rate) if more. */
export function burstOf(ratePerSecond: number): number {
  return ratePerSecond <= STRICT_RATE_MAX ? 1 : Math.max(2, Math.ceil(ratePerSecond / 100));
}

/** How a lane is held back: may a task of this webhook start now, and how many may it queue. */
export interface LanePacer {
  /**
   * Takes one start for `webhook` (a token) when it may start now and answers 0; otherwise the ms
   * until it may (a token falls due), or Infinity while its limit is not known yet and an attempt
   * of it (`activeInLane` > 0) is finding out: then `listen`'s callback tells when to ask again.
   */
  tryStart(webhook: string, activeInLane: number): number;
  /** Most tasks its lane may hold waiting; undefined when not limited (the limiter's own cap). */
  laneCap(webhook: string): number | undefined;
}

interface Bucket {
  ratePerSecond: number;
  burst: number;
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
  /** When the last delivery parked to a slot comes back, plus one interval: the next slot. */
  parkedUntil: number;
}

export interface RateLimitsOptions {
  now: () => number;
  /**
   * How long a lease may wait in a limited webhook's lane (ms): its lane holds what the limit lets
   * start in that time, so that no lease waiting there runs out. The rest waits in the store.
   */
  laneHoldMs: number;
}

export class RateLimits implements LanePacer {
  /** By webhook: its bucket, or null when it has no limit. Insertion order is age. */
  private readonly known = new Map<string, Bucket | null>();
  private changed: (webhook: string) => void = () => {};

  constructor(private readonly opts: RateLimitsOptions) {}

  /** Webhooks remembered. */
  get size(): number {
    return this.known.size;
  }

  /** Called with a webhook whose limit was learnt or changed: its waiting tasks may start sooner. */
  listen(changed: (webhook: string) => void): void {
    this.changed = changed;
  }

  /** The limit the webhook has now, as its attempt read it (null or absent: none). */
  learn(webhook: string, ratePerSecond: number | null | undefined): void {
    const rate = ratePerSecond ?? null;
    const bucket = this.known.get(webhook);
    if (bucket === null && rate === null) return;
    if (bucket !== undefined && bucket !== null && bucket.ratePerSecond === rate) return;
    if (bucket === undefined) this.remember(webhook, rate === null ? null : this.emptyBucket(rate));
    else if (rate === null) this.known.set(webhook, null);
    else if (bucket === null) this.known.set(webhook, this.emptyBucket(rate));
    else this.retime(bucket, rate);
    this.changed(webhook);
  }

  tryStart(webhook: string, activeInLane: number): number {
    const bucket = this.known.get(webhook);
    if (bucket === null) return 0;
    // Not known yet: one attempt at a time finds out (learn() then counts it as the first token).
    if (bucket === undefined) return activeInLane === 0 ? 0 : Number.POSITIVE_INFINITY;
    this.refill(bucket);
    // A start may come up to LATE_MS_MAX early, its tokens then dipping below 0: what the timer's
    // lateness cost the start before (whose tokens the burst capped) is made up.
    const slack = (LATE_MS_MAX * bucket.ratePerSecond) / 1000;
    if (bucket.tokens >= 1 - slack - EPSILON) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - slack - bucket.tokens) * 1000) / bucket.ratePerSecond - EPSILON));
  }

  laneCap(webhook: string): number | undefined {
    const bucket = this.known.get(webhook);
    return bucket ? this.capOf(bucket) : undefined;
  }

  /**
   * How long a delivery its full lane refused should stay parked in the store (ms), taking the
   * next slot behind those parked before it; undefined when the webhook is not limited.
   */
  parkMs(webhook: string): number | undefined {
    const bucket = this.known.get(webhook);
    if (!bucket) return undefined;
    const now = this.opts.now();
    const intervalMs = 1000 / bucket.ratePerSecond;
    // Behind the lane (it drains in cap intervals) and behind every delivery parked before.
    const slot = Math.max(bucket.parkedUntil, now + this.capOf(bucket) * intervalMs);
    if (slot - now > PARK_MS_MAX) return PARK_MS_MAX; // takes no slot: it comes back to queue again
    bucket.parkedUntil = slot + intervalMs;
    // Back half a lane ahead of its slot: re-read in time, and the lane has room for it then.
    return Math.max(1, Math.ceil(slot - now - this.opts.laneHoldMs / 2));
  }

  /** Most tasks a limited webhook's lane may hold: what it lets start in laneHoldMs, at least a burst. */
  private capOf(bucket: Bucket): number {
    return Math.max(bucket.burst, Math.floor((bucket.ratePerSecond * this.opts.laneHoldMs) / 1000));
  }

  /** A new bucket, empty: the attempt that reports the limit is its first start. */
  private emptyBucket(ratePerSecond: number): Bucket {
    const now = this.opts.now();
    return { ratePerSecond, burst: burstOf(ratePerSecond), tokens: 0, at: now, parkedUntil: now };
  }

  /**
   * The bucket starts again, empty, at the new rate: the attempt that read the change counts as
   * its first start, so that the next one waits a whole interval of the new limit.
   */
  private retime(bucket: Bucket, ratePerSecond: number): void {
    bucket.ratePerSecond = ratePerSecond;
    bucket.burst = burstOf(ratePerSecond);
    bucket.tokens = 0;
    bucket.at = this.opts.now();
    // Slots counted at the old rate are void: deliveries parked from now on line up at the new.
    bucket.parkedUntil = Math.min(bucket.parkedUntil, this.opts.now());
  }

  private refill(bucket: Bucket): void {
    const now = this.opts.now();
    if (now <= bucket.at) return;
    bucket.tokens = Math.min(bucket.burst, bucket.tokens + ((now - bucket.at) * bucket.ratePerSecond) / 1000);
    bucket.at = now;
  }

  private remember(webhook: string, bucket: Bucket | null): void {
    if (this.known.size >= KNOWN_MAX) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
    this.known.set(webhook, bucket);
  }
}
