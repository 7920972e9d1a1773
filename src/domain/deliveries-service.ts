// One delivery with its attempts, and manual retries.

import type { AttemptRecord, DeliveryRecord } from "../storage/records";
import type { Store } from "../storage/store";
import type { DeliveryPort } from "./delivery-port";
import { DomainError } from "./errors";

export interface DeliveriesServiceDeps {
  store: Store;
  delivery: DeliveryPort;
  now: () => number;
}

export class DeliveriesService {
  constructor(private readonly deps: DeliveriesServiceDeps) {}

  async get(accountId: string, id: string): Promise<{ delivery: DeliveryRecord; attempts: AttemptRecord[] }> {
    const delivery = await this.deps.store.deliveries.get(accountId, id);
    if (!delivery) throw DomainError.notFound("delivery");
    return { delivery, attempts: await this.deps.store.attempts.listForDelivery(id) };
  }

  /**
   * Makes the delivery pending again, due now, and tells the engine. A succeeded delivery is not
   * sent again (409), nor one whose webhook has been deleted since (409: there is nowhere to send).
   */
  async retry(accountId: string, id: string): Promise<DeliveryRecord> {
    const delivery = await this.deps.store.deliveries.get(accountId, id);
    if (!delivery) throw DomainError.notFound("delivery");
    if (delivery.status === "succeeded") throw DomainError.conflict("the delivery already succeeded");
    if (!(await this.deps.store.webhooks.get(accountId, delivery.webhook_id))) {
      throw DomainError.conflict("the delivery's webhook has been deleted");
    }
    const now = this.deps.now();
    const updated = await this.deps.store.deliveries.reschedule(accountId, id, now);
    if (!updated) throw DomainError.notFound("delivery");
    await this.deps.store.flushed();
    this.deps.delivery.retried(updated.id, updated.next_attempt_at ?? now);
    return updated;
  }
}
