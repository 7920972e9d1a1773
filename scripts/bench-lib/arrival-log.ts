// What the bench receiver remembers about the deliveries it accepted: the first arrival time of each
// (webhook, event) pair, duplicates beyond the first, and counters for everything else. Pure state,
// no I/O, so it is tested directly.

/** Events the driver can account for carry data.message_id "msg_<index>" with index in [0, events). */
const MESSAGE_ID = /^msg_(\d+)$/;

export interface ArrivalStats {
  /** Distinct (webhook, indexed event) pairs that arrived with a valid signature. */
  unique: number;
  /** Arrivals of a pair that had already arrived. */
  duplicates: number;
  /** Verified arrivals whose message id is outside the indexed range (raw-limit and probe posts). */
  unindexed: number;
  /** Epoch ms of the first and last unique arrival; null before any. */
  first_arrival_ms: number | null;
  last_arrival_ms: number | null;
  /** Epoch ms of the last unindexed arrival; null before any. */
  last_unindexed_ms: number | null;
}

export class ArrivalLog {
  private events = 0;
  private arrivals = new Float64Array(0);
  private unique = 0;
  private duplicates = 0;
  private unindexed = 0;
  private first: number | null = null;
  private last: number | null = null;
  private lastUnindexed: number | null = null;

  /** Forgets everything and sizes the log for `webhooks` x `events` pairs. */
  reset(webhooks: number, events: number): void {
    if (!Number.isSafeInteger(webhooks * events) || webhooks * events > 50_000_000) {
      throw new RangeError("webhooks x events must be at most 50,000,000");
    }
    this.events = events;
    this.arrivals = new Float64Array(webhooks * events);
    this.unique = 0;
    this.duplicates = 0;
    this.unindexed = 0;
    this.first = null;
    this.last = null;
    this.lastUnindexed = null;
  }

  /** Records one verified arrival for webhook number `webhook` (0-based) at epoch ms `at`. */
  record(webhook: number, messageId: unknown, at: number): "first" | "duplicate" | "unindexed" {
    const match = typeof messageId === "string" ? MESSAGE_ID.exec(messageId) : null;
    const index = match ? Number(match[1]) : -1;
    const slot = webhook * this.events + index;
    if (index < 0 || index >= this.events || slot >= this.arrivals.length) {
      this.unindexed++;
      this.lastUnindexed = at;
      return "unindexed";
    }
    if (this.arrivals[slot] !== 0) {
      this.duplicates++;
      return "duplicate";
    }
    this.arrivals[slot] = at;
    this.unique++;
    if (this.first === null || at < this.first) this.first = at;
    if (this.last === null || at > this.last) this.last = at;
    return "first";
  }

  stats(): ArrivalStats {
    return {
      unique: this.unique,
      duplicates: this.duplicates,
      unindexed: this.unindexed,
      first_arrival_ms: this.first,
      last_arrival_ms: this.last,
      last_unindexed_ms: this.lastUnindexed,
    };
  }

  /** First arrival times, webhook-major (slot = webhook * events + index); 0 where none arrived. */
  arrivalTimes(): Float64Array {
    return this.arrivals;
  }
}
