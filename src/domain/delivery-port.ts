// What the domain and HTTP layers need from the delivery engine, and nothing more. The engine
// (src/delivery/delivery-engine.ts) implements it; HTTP code never imports the engine itself.

import type { AttemptRecord, DeliveryRecord, DueEntry, EventRecord, WebhookRecord } from "../storage/records";

export interface DeliveryPort {
  /**
   * Tells the engine about pending deliveries just written to the store (published, or retried by
   * hand) so that those due now start at once instead of at the next refill from the store.
   * `events`, when given, are the events of those deliveries exactly as just stored, so that their
   * first attempts need not read them back; `deliveries`, likewise, are the records just stored.
   * Purely a hint: the store's due-time queue and its records stay the truth, and entries, events
   * or deliveries never announced here are still found.
   */
  enqueue(entries: DueEntry[], events?: readonly EventRecord[], deliveries?: readonly DeliveryRecord[]): void;
  /**
   * Sends `event` to `webhook` once, now, bypassing the queue and the retry schedule, records the
   * attempt (test: true, delivery_id: null) and answers it. Never throws for delivery failures: a
   * failed send is an attempt with outcome "failed".
   */
  sendTest(webhook: WebhookRecord, event: EventRecord): Promise<AttemptRecord>;
  /** Attempts in flight right now. */
  inFlight(): number;
}
