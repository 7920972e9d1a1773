// What the domain and HTTP layers need from the delivery engine, and nothing more. The engine
// (src/delivery/delivery-engine.ts) implements it; HTTP code never imports the engine itself.

import type { AttemptRecord, EventRecord, WebhookRecord } from "../storage/records";
import type { Lease, PublishOptions } from "../storage/store";

/** Leases a publish took on its first attempts, with the clock read just before it asked. */
export interface LeaseGrant {
  leases: readonly Lease[];
  /** The engine's clock (ms) just before the publish was sent to the store. */
  askedAt: number;
}

export interface DeliveryPort {
  /**
   * What a publish asks the store to lease for its first attempts (this replica's id, the lease
   * length and as many as the engine has room for), so that they need no poll; undefined to lease
   * none (stopping, or no room: the store's due work then brings them).
   */
  publishLease(): PublishOptions["lease"];
  /**
   * Hands the engine the leases a publish took, once the publish is durable, with its events (so
   * that their first attempts need not read them back). The engine attempts each when due or gives
   * it back; from here on it owns them.
   */
  enqueue(grant: LeaseGrant, events: readonly EventRecord[]): void;
  /** Gives back leases a publish took but will not hand over (its flush failed). */
  giveBack(leases: readonly Lease[]): void;
  /**
   * A delivery was made due at `due` by hand (manual retry): the engine looks for it soon instead
   * of at its next pass over the store. Purely a hint: the store's due work stays the truth.
   */
  retried(deliveryId: string, due: number): void;
  /**
   * Sends `event` to `webhook` once, now, bypassing the queue and the retry schedule, records the
   * attempt (test: true, delivery_id: null) and answers it. Never throws for delivery failures: a
   * failed send is an attempt with outcome "failed".
   */
  sendTest(webhook: WebhookRecord, event: EventRecord): Promise<AttemptRecord>;
  /** Attempts in flight right now. */
  inFlight(): number;
}
