// Leases given back to the store unattempted (left out for want of room, shutdown, nothing to do),
// in batches: whatever is given back in one turn goes in one release call of at most RETURN_BATCH
// refs, so that a drained lane of thousands costs a few store writes, not thousands.
//
// Guarantees: every lease given back is released once (a failed release is logged and the lease
// simply expires, leasable again after leaseMs); `settled()` resolves once everything given back
// before the call has been sent to the store.

import type { Logger } from "../observability/logger";
import type { DueWork, Lease, LeaseRef } from "../storage/store";
import { leaseRef } from "./held-lease";

const RETURN_BATCH = 1_000;

export class LeaseReturns {
  private pending: LeaseRef[] = [];
  private scheduled = false;
  private readonly sending = new Set<Promise<void>>();

  constructor(private readonly deps: { work: Pick<DueWork, "release">; owner: string; logger: Logger }) {}

  /** Leases waiting to be given back, or being given back now. */
  get size(): number {
    return this.pending.length;
  }

  give(leases: Iterable<Lease>): void {
    for (const lease of leases) this.pending.push(leaseRef(lease));
    if (this.scheduled || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Resolves once every lease given back so far has been released (or its release failed). */
  async settled(): Promise<void> {
    this.flush();
    while (this.sending.size > 0) await Promise.all([...this.sending]);
  }

  private flush(): void {
    this.scheduled = false;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, RETURN_BATCH);
      const sent = this.deps.work.release(this.deps.owner, batch).catch((err: unknown) => {
        this.deps.logger.warn("leases not given back; they expire by themselves", {
          leases: batch.length,
          error: err instanceof Error ? err.message : String(err),
        });
      });
      this.sending.add(sent);
      void sent.finally(() => this.sending.delete(sent));
    }
  }
}
