// The lease side of one attempt: making sure enough of it is left before sending (renewing it
// after a wait in a webhook's lane), and how long the send may take so that it ends before the
// lease does.
//
// Guarantees: an attempt is sent only with at least `timeoutMs + safetyMs` of its lease left by
// this replica's clock; its send is cut no later than `safetyMs` before the lease's deadline; a
// lease found lost is counted (inbox_lease_lost_total) and its attempt is not made.

import { type HeldLease, leaseRef } from "../scheduler/held-lease";
import type { EngineResources } from "./engine-resources";

/** Whether too little of the lease is left for a whole send (a wait in a lane took it). */
export function needsRenewal(res: EngineResources, held: HeldLease): boolean {
  return held.deadline - res.now() < res.config.timeoutMs + res.leases.safetyMs;
}

/**
 * The lease renewed for a whole send; undefined when it was lost (it ran out and another replica,
 * or this one, took the delivery again).
 */
export async function renewLease(res: EngineResources, held: HeldLease): Promise<HeldLease | undefined> {
  const { owner, leaseMs } = res.leases;
  const askedAt = res.now();
  const renewed = await res.store.work.renew(owner, leaseRef(held.lease), leaseMs);
  if (!renewed) {
    res.metrics.leasesLost.inc();
    res.logger.info("lease lost before the attempt; not sent", { delivery_id: held.lease.delivery.id });
    return undefined;
  }
  res.metrics.leaseRenewals.inc();
  // The record stays the one prepared from: only the lease's deadline moves.
  const lease = { ...held.lease, token: renewed.token, expiresInMs: renewed.expiresInMs };
  return { lease, at: held.at, deadline: askedAt + renewed.expiresInMs };
}

/**
 * How long a send under `held` may take: the attempt timeout, cut to end `safetyMs` before the
 * lease's deadline. `cut` is true when the lease, not the timeout, bounds it: a send that times out
 * then ended at the lease's deadline and records nothing.
 */
export function sendBudget(res: EngineResources, held: HeldLease): { timeoutMs: number; cut: boolean } {
  const left = held.deadline - res.leases.safetyMs - res.now();
  const { timeoutMs } = res.config;
  return left < timeoutMs ? { timeoutMs: Math.max(0, left), cut: true } : { timeoutMs, cut: false };
}
