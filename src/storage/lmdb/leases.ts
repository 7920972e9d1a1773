// Leases on the embedded store: in memory, because one process owns the data directory (the
// data-dir lock) and a crash leaves no lease behind: after a restart everything pending is leasable.
//
// Guarantees:
// - tokens come from one counter that only grows within the process, so a token is never issued
//   twice and every lease of a delivery has a higher token than the ones before it;
// - write jobs (recordAttempt, publish) never change the table directly: they stage their changes,
//   which later jobs of the same transaction see, and `settle` applies them once the transaction
//   committed or drops them when it rolled back (the write batcher may replay a job);
// - an expired lease nobody has taken again still fences as its own: its holder's late outcome is
//   recorded (as on a server store, where the token stays until the next lease);
// - memory stays bounded: entries end when recorded or released, and those expired for longer than
//   SWEEP_GRACE_MS are swept once the table has doubled since the last sweep (amortised O(1) a
//   lease), so it holds the live leases plus at most a grace period's worth of expired ones.

/** A lease as the table keeps it. */
export interface HeldLease {
  owner: string;
  token: number;
  /** When it ends (ms, the store's clock). */
  expiresAt: number;
}

/** The table is swept of expired entries no more often than when it holds this many. */
const SWEEP_SIZE_MIN = 1_024;
/**
 * How long an expired lease is kept for its holder's late outcome. Past it the outcome is fenced,
 * which is safe (the delivery is attempted again); the engine records well before its lease ends.
 */
export const SWEEP_GRACE_MS = 60_000;

export class LeaseTable {
  private readonly held = new Map<string, HeldLease>();
  /** Changes staged by the write jobs of the transaction under way; null ends a lease. */
  private readonly staged = new Map<string, HeldLease | null>();
  private nextToken: number;
  private sweepAt = SWEEP_SIZE_MIN;

  /**
   * `firstToken` defaults to the wall clock in microseconds: tokens of a later process start above
   * those of an earlier one unless it leased more than a thousand a millisecond over its life.
   * Nothing relies on it (no lease survives a restart); it only keeps tokens distinct in logs.
   */
  constructor(firstToken = Date.now() * 1_000) {
    this.nextToken = firstToken;
  }

  /** The lease on `deliveryId` as the running transaction sees it (staged changes first). */
  current(deliveryId: string): HeldLease | undefined {
    const staged = this.staged.get(deliveryId);
    if (staged !== undefined) return staged ?? undefined;
    return this.held.get(deliveryId);
  }

  /** True when `deliveryId` is under a lease that has not ended by `now`. */
  isLive(deliveryId: string, now: number): boolean {
    const lease = this.current(deliveryId);
    return lease !== undefined && lease.expiresAt > now;
  }

  /** Grants a new lease at once (outside write jobs): a fresh token. */
  grant(deliveryId: string, owner: string, expiresAt: number): HeldLease {
    const lease = { owner, token: this.nextToken++, expiresAt };
    this.held.set(deliveryId, lease);
    return lease;
  }

  /** Inside a write job: a new lease, effective when the transaction commits. */
  stageGrant(deliveryId: string, owner: string, expiresAt: number): HeldLease {
    // A token drawn by a job that rolls back is skipped, never reused.
    const lease = { owner, token: this.nextToken++, expiresAt };
    this.staged.set(deliveryId, lease);
    return lease;
  }

  /** Inside a write job: ends the lease on `deliveryId` when the transaction commits. */
  stageEnd(deliveryId: string): void {
    this.staged.set(deliveryId, null);
  }

  /** After a write transaction: applies what its jobs staged when it committed, drops it otherwise. */
  settle(committed: boolean, now: number): void {
    if (committed) {
      for (const [deliveryId, lease] of this.staged) {
        if (lease) this.held.set(deliveryId, lease);
        else this.held.delete(deliveryId);
      }
    }
    this.staged.clear();
    this.sweep(now);
  }

  /** Extends a held lease (same owner and token) to `expiresAt`; false when it is not held. */
  extend(deliveryId: string, owner: string, token: number, expiresAt: number): boolean {
    const lease = this.held.get(deliveryId);
    if (lease?.owner !== owner || lease.token !== token) return false;
    lease.expiresAt = expiresAt;
    return true;
  }

  /** Ends a held lease (same owner and token); anything else is left as it is. */
  end(deliveryId: string, owner: string, token: number): void {
    const lease = this.held.get(deliveryId);
    if (lease?.owner === owner && lease.token === token) this.held.delete(deliveryId);
  }

  /** Drops entries expired for longer than SWEEP_GRACE_MS once the table has doubled since the last sweep. */
  sweep(now: number): void {
    if (this.held.size < this.sweepAt) return;
    for (const [deliveryId, lease] of this.held) {
      if (lease.expiresAt + SWEEP_GRACE_MS <= now) this.held.delete(deliveryId);
    }
    this.sweepAt = Math.max(SWEEP_SIZE_MIN, this.held.size * 2);
  }

  /** Entries kept (live or expired and not yet swept), for tests of the bound. */
  get size(): number {
    return this.held.size;
  }
}
