// A lease as its holder keeps it: the store's Lease plus the holder's own deadline. The store
// measures a lease's length with its clock; the holder adds that length to its clock as read just
// before asking, so its deadline can only be early, never late (see Lease.expiresInMs).

import type { Lease, LeaseRef } from "../storage/store";

export interface HeldLease {
  lease: Lease;
  /** The holder's clock (ms) just before the lease was asked for: its record is at least this fresh. */
  at: number;
  /** The holder's clock (ms) by which the lease may have ended: at + lease.expiresInMs. */
  deadline: number;
}

export function heldLease(lease: Lease, askedAt: number): HeldLease {
  return { lease, at: askedAt, deadline: askedAt + lease.expiresInMs };
}

export function leaseRef(lease: Lease): LeaseRef {
  return { delivery_id: lease.delivery.id, token: lease.token };
}

/** When the leased delivery falls due (its stored next attempt time; `fallback` when unset). */
export function leaseDue(lease: Lease, fallback: number): number {
  return lease.delivery.next_attempt_at ?? fallback;
}
