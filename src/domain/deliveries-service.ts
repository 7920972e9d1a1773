// One delivery with its attempts, the account's deliveries found by filters, and manual retries.

import type { AttemptRecord, DeliveryFilter, DeliveryRecord, Page, PageQuery } from "../storage/records";
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
   * The account's deliveries matching `filter`, newest event first (DeliveryRepository.list). A
   * filter naming a webhook the account does not have (unknown, deleted or another account's) is
   * 404, as the webhook's log is: an empty list would hide a typo. An empty time range (`since`
   * after `until`) is refused by name; `since` equal to `until` is a valid, empty range.
   */
  async list(accountId: string, filter: DeliveryFilter, page: PageQuery): Promise<Page<DeliveryRecord>> {
    if (filter.since !== undefined && filter.until !== undefined && filter.since > filter.until) {
      throw DomainError.invalid("the time range is empty", [
        { field: "since", reason: "must not be after until" },
      ]);
    }
    if (
      filter.webhook_id !== undefined &&
      !(await this.deps.store.webhooks.get(accountId, filter.webhook_id))
    ) {
      throw DomainError.notFound("webhook");
    }
    return this.deps.store.deliveries.list(accountId, filter, page);
  }

  /**
   * Makes the delivery pending again, due now, and tells the engine. Refused (409) when nothing
   * would be sent: the delivery already succeeded, or its webhook is disabled or has been deleted
   * since (a disabled webhook's deliveries wait for it to be enabled again). The webhook is checked
   * again inside the store's write, so one disabled or deleted meanwhile is refused too.
   */
  async retry(accountId: string, id: string): Promise<DeliveryRecord> {
    const delivery = await this.deps.store.deliveries.get(accountId, id);
    if (!delivery) throw DomainError.notFound("delivery");
    if (delivery.status === "succeeded") throw DomainError.conflict("the delivery already succeeded");
    await this.assertWebhookTakesDeliveries(accountId, delivery.webhook_id);
    const now = this.deps.now();
    const updated = await this.deps.store.deliveries.reschedule(accountId, id, now);
    if (!updated) throw DomainError.notFound("delivery");
    // Not pending: the store found the webhook disabled or deleted when it wrote. The read may not
    // know which yet (on PostgreSQL another replica's change reaches the cached read up to
    // READ_CACHE_MS_MAX later), and then the message must not guess.
    if (updated.status === "succeeded") throw DomainError.conflict("the delivery already succeeded");
    if (updated.status !== "pending") {
      await this.assertWebhookTakesDeliveries(accountId, delivery.webhook_id);
      throw DomainError.conflict(GONE_MESSAGE);
    }
    await this.deps.store.flushed();
    this.deps.delivery.retried(updated.id, updated.next_attempt_at ?? now);
    return updated;
  }

  private async assertWebhookTakesDeliveries(accountId: string, webhookId: string): Promise<void> {
    const webhook = await this.deps.store.webhooks.get(accountId, webhookId);
    if (!webhook) throw DomainError.conflict(DELETED_MESSAGE);
    if (!webhook.enabled) throw DomainError.conflict(DISABLED_MESSAGE);
  }
}

const DELETED_MESSAGE = "the delivery's webhook has been deleted: there is nowhere to send it";
const GONE_MESSAGE =
  "the delivery's webhook has just been disabled or deleted: there is nowhere to send it (if it was disabled, enable it and retry)";
const DISABLED_MESSAGE =
  "the delivery's webhook is disabled: enable it (PUT /v1/webhooks/{id} with enabled: true) and retry";
