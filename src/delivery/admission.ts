// The admission stage of the delivery engine: takes each lease the scheduler hands out (it carries
// the delivery as stored when leased, so nothing is read here) and offers it to the fair limiter,
// which starts its attempt, queues it in its webhook's lane, or refuses it. A refused lease is given
// back to the store (the scheduler re-reads it later, or another replica takes it), so memory stays
// bounded whatever the backlog.
//
// Fairness: the limiter caps attempts in flight globally, per account and per webhook, and gives
// freed slots round-robin over accounts with work waiting, then over their webhooks. Admission
// itself never waits: every lease handed out is placed (started, queued or left out) at once, so
// due work of a healthy account is never stuck behind another account's backlog in a shared queue.
// A webhook with a rate limit (rate-limit.ts) starts its attempts no faster: they wait in its lane
// holding no slot, and its lane holds only what its limit lets start in half a lease, so that no
// lease waiting there runs out; the rest waits in the store.
//
// Guarantees:
// - every lease handed out is answered to the scheduler exactly once: left out or given back here,
//   or answered by the attempt stage;
// - an account that had deliveries refused asks the scheduler for a re-read of the store from the
//   earliest left out once its lane or account drains to half.

import { type HeldLease, leaseRef } from "../scheduler/held-lease";
import type { LeaseRef } from "../storage/store";
import { type Admitted, attempt } from "./attempt";
import type { EngineResources } from "./engine-resources";
import { FairLimiter } from "./fair-limiter";
import { ParkedLeases } from "./parked-leases";

/**
 * Deliveries one webhook may have waiting in memory beyond its cap, by default. Memory is bounded
 * by the scheduler's heldMax whatever this is; a larger lane means fewer refusals, each of which
 * costs a re-read of the queue (bench --fanout 10: 446 us of CPU a delivery at 1,000, 208 at 5,000).
 */
const QUEUE_PER_WEBHOOK = 5_000;
/** Of the limiter's waiting room, how many webhook lanes' worth one account may fill. */
const LANES_PER_ACCOUNT = 4;

export class Admission {
  private readonly limiter: FairLimiter<Admitted>;
  /** Accounts that had deliveries refused: the store is re-read for them once they drain. */
  private readonly refusedAccounts = new Set<string>();
  /** Rate-limited deliveries waiting in the store for their turn, to call back when limits change. */
  private readonly parked: ParkedLeases;

  constructor(
    private readonly res: EngineResources,
    queuePerWebhook = QUEUE_PER_WEBHOOK,
  ) {
    const { concurrency, accountConcurrency, webhookConcurrency } = res.config;
    const global = Math.max(1, concurrency);
    const perWebhook = Math.min(global, Math.max(1, webhookConcurrency));
    const lane = Math.max(1, queuePerWebhook);
    // Parked deliveries coming back are re-read for at least every quarter lease: a limited lane
    // holds half a lease of attempts, so it is topped up before it runs dry.
    this.parked = new ParkedLeases({
      now: res.now,
      onEnded: () => res.scheduler.rescanFromStart(),
      gapMs: Math.max(1, Math.floor(res.leases.leaseMs / 4)),
    });
    this.limiter = new FairLimiter<Admitted>({
      global,
      perAccount: Math.min(global, Math.max(perWebhook, accountConcurrency)),
      perWebhook,
      queuePerWebhook: lane,
      queuePerAccount: LANES_PER_ACCOUNT * lane,
      // Waiting leases stay handed out by the scheduler: capped at half its memory, so that it
      // always has room to lease other accounts' due work from the store.
      queueTotal: Math.max(1, Math.floor(res.scheduler.heldMax / 2)),
      run: (item) => res.work.track(attempt(res, item)),
      onSlotFree: (accountId, webhookId) => this.slotFreed(accountId, webhookId),
      pacer: res.rateLimits,
    });
    res.rateLimits.listen((webhookId) => this.limitChanged(webhookId));
  }

  /** Attempts in flight. */
  get active(): number {
    return this.limiter.active;
  }

  /** Places a lease the scheduler handed out: started, queued in its lane, or given back. */
  admit(held: HeldLease): void {
    const { delivery } = held.lease;
    if (this.res.stopping.aborted) {
      this.res.scheduler.giveBack(held);
      return;
    }
    const item: Admitted = { id: delivery.id, held };
    if (this.limiter.offer(delivery.account_id, delivery.webhook_id, item) !== "refused") return;
    const parkMs = this.res.rateLimits.parkMs(delivery.webhook_id);
    if (parkMs !== undefined) {
      this.park(held, parkMs);
      return;
    }
    this.refusedAccounts.add(delivery.account_id);
    this.res.scheduler.leftOut(held);
  }

  /**
   * Stops admitting: queued leases are given back (leasable at once), and so are the parked ones
   * remembered (another replica or the next start need not wait for their parks to end); running
   * attempts go on.
   */
  close(): void {
    this.limiter.pause();
    for (const item of this.limiter.drain()) this.res.scheduler.giveBack(item.held);
    this.parked.stop();
    this.callBack(this.parked.takeAll(), undefined);
    this.refusedAccounts.clear();
  }

  /**
   * A webhook's limit was learnt or changed: its lane keeps what the limit allows, and is woken;
   * its parked deliveries, timed for the old limit, are given back and re-read.
   */
  private limitChanged(webhookId: string): void {
    this.callBack(this.parked.take(webhookId), webhookId);
    for (const item of this.limiter.trim(webhookId)) {
      const parkMs = this.res.rateLimits.parkMs(webhookId);
      if (parkMs === undefined) this.res.scheduler.giveBack(item.held);
      else this.park(item.held, parkMs);
    }
    this.limiter.wake(webhookId);
  }

  /** Gives parked leases back to the store (leasable at once), then has the store re-read. */
  private callBack(refs: LeaseRef[], webhookId: string | undefined): void {
    if (refs.length === 0) return;
    const { store, scheduler, leases, logger } = this.res;
    const released = store.work.release(leases.owner, refs).then(
      () => scheduler.rescanSoon(),
      (err: unknown) =>
        logger.warn("parked deliveries not called back; their parks end as timed", {
          webhook_id: webhookId ?? null,
          parked: refs.length,
          error: err instanceof Error ? err.message : String(err),
        }),
    );
    void this.res.work.track(released);
  }

  /**
   * A rate-limited webhook's lane is full: the lease is extended to end in `parkMs` and forgotten
   * here, so that neither this replica's re-reads nor another replica take the delivery before its
   * turn; then it is leasable again (found by the scheduler's next re-read). A failed extension
   * leaves the lease to end as it would have, the delivery leasable then.
   */
  private park(held: HeldLease, parkMs: number): void {
    const { store, scheduler, leases } = this.res;
    const ref = leaseRef(held.lease);
    scheduler.done(ref.delivery_id);
    this.parked.add(held.lease.delivery.webhook_id, ref, parkMs);
    const extending = store.work.renew(leases.owner, ref, parkMs).catch(() => undefined);
    void this.res.work.track(extending);
  }

  private slotFreed(accountId: string, webhookId: string): void {
    if (!this.refusedAccounts.has(accountId) || !this.limiter.halfEmpty(accountId, webhookId)) return;
    this.refusedAccounts.delete(accountId);
    this.res.scheduler.rescanSoon();
  }
}
