// The admission stage of the delivery engine: takes each id the scheduler hands out, finds its
// delivery (announced by its publish, else read from the store), and offers it to the fair limiter,
// which starts its attempt, queues it in its webhook's lane, or refuses it. A refused delivery is
// left in the store (the scheduler re-reads it later), so memory stays bounded whatever the backlog.
//
// Fairness: the limiter caps attempts in flight globally, per account and per webhook, and gives
// freed slots round-robin over accounts with work waiting, then over their webhooks. Admission
// itself never waits: every id handed out is placed (started, queued or left out) at once, so due
// work of a healthy account is never stuck behind another account's backlog in a shared queue.
//
// Guarantees:
// - every id handed out is answered to the scheduler exactly once: left out here, or released
//   by the attempt stage (or here when it is no longer pending);
// - announced deliveries need no read: up to ANNOUNCED_MEMORY records are kept from their publish;
// - a delivery refused while its lane or account is full is not read again while that stays so
//   (up to REFUSED_MEMORY of them are remembered); once they drain to half, the scheduler is asked
//   to re-read the store from the earliest entry left out.

import type { DeliveryRecord } from "../storage/records";
import { type Admitted, attempt } from "./attempt";
import type { EngineResources } from "./engine-resources";
import { FairLimiter } from "./fair-limiter";

/** Announced deliveries kept for their first attempt (about 1 KiB each). */
const ANNOUNCED_MEMORY = 4_096;
/** Refused deliveries whose webhook is remembered (two short strings each). */
const REFUSED_MEMORY = 50_000;
/**
 * Deliveries one webhook may have waiting in memory beyond its cap, by default. Memory is bounded
 * by the scheduler's heldMax whatever this is; a larger lane means fewer refusals, each of which
 * costs a re-read of the queue (bench --fanout 10: 446 us of CPU a delivery at 1,000, 208 at 5,000).
 */
const QUEUE_PER_WEBHOOK = 5_000;
/** Of the limiter's waiting room, how many webhook lanes' worth one account may fill. */
const LANES_PER_ACCOUNT = 4;

interface Refusal {
  accountId: string;
  webhookId: string;
  due: number;
}

export class Admission {
  private readonly limiter: FairLimiter<Admitted>;
  /** Delivery records handed over by their publish, each with the time it was current. */
  private readonly announced = new Map<string, { delivery: DeliveryRecord; at: number }>();
  private readonly refused = new Map<string, Refusal>();
  /** Accounts that had deliveries refused: the store is re-read for them once they drain. */
  private readonly refusedAccounts = new Set<string>();

  constructor(
    private readonly res: EngineResources,
    queuePerWebhook = QUEUE_PER_WEBHOOK,
  ) {
    const { concurrency, accountConcurrency, webhookConcurrency } = res.config;
    const global = Math.max(1, concurrency);
    const perWebhook = Math.min(global, Math.max(1, webhookConcurrency));
    const lane = Math.max(1, queuePerWebhook);
    this.limiter = new FairLimiter<Admitted>({
      global,
      perAccount: Math.min(global, Math.max(perWebhook, accountConcurrency)),
      perWebhook,
      queuePerWebhook: lane,
      queuePerAccount: LANES_PER_ACCOUNT * lane,
      // Waiting ids stay handed out by the scheduler: capped at half its memory, so that it always
      // has room to load other accounts' due work from the store.
      queueTotal: Math.max(1, Math.floor(res.scheduler.heldMax / 2)),
      run: (item) => res.work.track(attempt(res, item)),
      onSlotFree: (accountId, webhookId) => this.slotFreed(accountId, webhookId),
    });
  }

  /** Attempts in flight. */
  get active(): number {
    return this.limiter.active;
  }

  /** Places an id the scheduler handed out: started, queued in its lane, or left in the store. */
  admit(id: string): void {
    const refusal = this.refused.get(id);
    if (refusal && this.limiter.full(refusal.accountId, refusal.webhookId)) {
      // Still full: left out again without reading it. Its true due time, so that the re-read
      // after the lane drains starts from the earliest left out.
      this.refusedAccounts.add(refusal.accountId);
      this.res.scheduler.leftOut({ delivery_id: id, due: refusal.due });
      return;
    }
    const item = this.take(id);
    if (item === undefined) return;
    const { account_id: accountId, webhook_id: webhookId } = item.delivery;
    if (this.limiter.offer(accountId, webhookId, item) === "refused") this.refuse(item);
  }

  /** Keeps the records of deliveries just published, so their first attempts need no read. */
  announce(deliveries: readonly DeliveryRecord[]): void {
    for (const delivery of deliveries) {
      // Entries of deliveries never handed out (cancelled first) would otherwise stay for good.
      if (this.announced.size >= ANNOUNCED_MEMORY) this.announced.clear();
      // Stamped with the record's own time: a webhook change made after the record was built,
      // even before this announcement, makes the attempt read the delivery afresh.
      if (delivery.status === "pending")
        this.announced.set(delivery.id, { delivery, at: delivery.updated_at });
    }
  }

  /** Forgets that an id was refused (it was announced anew, perhaps with a new due time). */
  forgetRefusal(id: string): void {
    this.refused.delete(id);
  }

  /** Stops admitting: queued deliveries are dropped (they stay due in the store); running ones go on. */
  close(): void {
    this.limiter.pause();
    for (const item of this.limiter.drain()) this.res.scheduler.release(item.id);
    this.announced.clear();
    this.refused.clear();
    this.refusedAccounts.clear();
  }

  /** The id's delivery, when it is pending and due now; otherwise it is answered to the scheduler. */
  private take(id: string): Admitted | undefined {
    const { scheduler, store, now } = this.res;
    const announced = this.announced.get(id);
    this.announced.delete(id);
    this.refused.delete(id);
    const delivery = announced?.delivery ?? store.deliveries.getById(id);
    if (this.res.stopping.aborted || delivery?.status !== "pending") {
      scheduler.release(id);
      return undefined;
    }
    if (delivery.next_attempt_at !== null && delivery.next_attempt_at > now()) {
      // Rescheduled since it was loaded: wait for the store's due time instead.
      scheduler.release(id);
      scheduler.schedule({ delivery_id: id, due: delivery.next_attempt_at });
      return undefined;
    }
    return { id, delivery, at: announced?.at ?? now() };
  }

  /** Leaves a delivery its lane or account had no room for in the store, remembering why. */
  private refuse(item: Admitted): void {
    const { id, delivery } = item;
    const due = delivery.next_attempt_at ?? this.res.now();
    this.refusedAccounts.add(delivery.account_id);
    if (this.refused.size >= REFUSED_MEMORY) this.refused.delete(this.refused.keys().next().value as string);
    this.refused.set(id, { accountId: delivery.account_id, webhookId: delivery.webhook_id, due });
    this.res.scheduler.leftOut({ delivery_id: id, due });
  }

  private slotFreed(accountId: string, webhookId: string): void {
    if (!this.refusedAccounts.has(accountId) || !this.limiter.halfEmpty(accountId, webhookId)) return;
    this.refusedAccounts.delete(accountId);
    this.res.scheduler.rescanSoon();
  }
}
