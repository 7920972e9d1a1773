// Operational events: what the operator's webhooks hear about every account (webhook.disabled,
// delivery.failed). They are published as events of the reserved operator account through the
// normal publish path (EventsService with the operational catalog), so they are stored, signed,
// retried and logged like any delivery, and durable once published (the 202 rules of a publish).
//
// Guarantees and limits:
// - never about the operator's own webhooks or deliveries (a failing operator webhook would
//   otherwise feed itself);
// - nothing is written while no enabled operator webhook subscribes to the type (a cached read);
// - a publish that fails (store full or unreachable) is logged at error and dropped: the caller
//   (the delivery engine, a disable) never fails because of it. An event is published after the
//   change it reports is written, so a crash in between loses the notice, never the change.

import type { Logger } from "../observability/logger";
import type { DeliveryRecord, WebhookRecord } from "../storage/records";
import type { Store } from "../storage/store";
import type { PublishInput } from "./events-service";
import { DELIVERY_FAILED, isOperator, OPERATOR_ACCOUNT_ID, WEBHOOK_DISABLED } from "./operator";

/** Where operational events are published: the EventsService built over the operational catalog. */
export interface OperationalPublisher {
  publish(accountId: string, inputs: PublishInput[]): Promise<unknown>;
}

export interface OperationalEventsDeps {
  store: Store;
  logger: Logger;
}

export class OperationalEvents {
  private publisher: OperationalPublisher | undefined;

  constructor(private readonly deps: OperationalEventsDeps) {}

  /**
   * Sets where events go. The publisher's EventsService needs the delivery engine, which needs
   * this: the composition (createServices) connects them once both exist, before the engine starts.
   */
  connect(publisher: OperationalPublisher): void {
    this.publisher = publisher;
  }

  /** Reports a webhook that was just disabled (the record as stored by the disabling write). */
  webhookDisabled(webhook: WebhookRecord): Promise<void> {
    if (isOperator(webhook.account_id)) return Promise.resolve();
    return this.publish(WEBHOOK_DISABLED, {
      account_id: webhook.account_id,
      webhook_id: webhook.id,
      reason: webhook.disabled_reason ?? "manual",
      disabled_at: rfc3339(webhook.disabled_at ?? webhook.updated_at),
    });
  }

  /** Reports a delivery that exhausted its schedule (the record as stored with its last attempt). */
  deliveryFailed(delivery: DeliveryRecord): Promise<void> {
    if (isOperator(delivery.account_id)) return Promise.resolve();
    return this.publish(DELIVERY_FAILED, {
      account_id: delivery.account_id,
      webhook_id: delivery.webhook_id,
      event_id: delivery.event_id,
      event_type: delivery.event_type,
      delivery_id: delivery.id,
      attempts: delivery.attempts,
      last_status_code: delivery.last_status_code,
      last_error: delivery.last_error,
    });
  }

  private async publish(type: string, data: Record<string, unknown>): Promise<void> {
    const fields = { type, account_id: data.account_id, webhook_id: data.webhook_id };
    try {
      if (!this.publisher) throw new Error("operational events are not connected to a publisher");
      const subscribers = await this.deps.store.webhooks.subscribers(OPERATOR_ACCOUNT_ID, type);
      if (subscribers.length === 0) return;
      await this.publisher.publish(OPERATOR_ACCOUNT_ID, [{ type, data }]);
    } catch (err) {
      this.deps.logger.error("operational event not published", {
        ...fields,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
}

/** Whole seconds in UTC, as the API shows times. */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
