// What the domain and HTTP layers need from the delivery engine, and nothing more. The engine
// (src/delivery/delivery-engine.ts) implements it; HTTP code never imports the engine itself.

import type { AttemptRecord, DeliveryRecord, DueEntry, EventRecord, WebhookRecord } from "../storage/records";

export interface DeliveryPort {
  /**
   * Hands the engine the events and pending deliveries a publish has just committed, in the same
   * turn as the commit (before the flush), so that their first attempts need not read them back.
   * Called before the engine's own reads of the store can hand those deliveries out: a record kept
   * here is never older than what an attempt of it could have written. Purely a hint.
   */
  remember(events: readonly EventRecord[], deliveries: readonly DeliveryRecord[]): void;
  /**
   * Tells the engine about pending deliveries just made durable (published, or retried by hand) so
   * that those due now start at once instead of at the next refill from the store. Purely a hint:
   * the store's due-time queue stays the truth, and entries never announced here are still found.
   */
  enqueue(entries: DueEntry[]): void;
  /**
   * Sends `event` to `webhook` once, now, bypassing the queue and the retry schedule, records the
   * attempt (test: true, delivery_id: null) and answers it. Never throws for delivery failures: a
   * failed send is an attempt with outcome "failed".
   */
  sendTest(webhook: WebhookRecord, event: EventRecord): Promise<AttemptRecord>;
  /** Attempts in flight right now. */
  inFlight(): number;
}
