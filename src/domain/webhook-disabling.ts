// Disabling a webhook, the one place that does it for every reason: the delivery engine (a 410
// answer: "gone"; every attempt failing for INBOX_DISABLE_AFTER: "failing") and its account
// (PUT enabled: false: "manual"). Each disable is written once (the store cancels the webhook's
// pending deliveries in the same write), then logged at warn, counted in
// inbox_webhooks_disabled_total{reason} and published as a webhook.disabled operational event.
// Logs name the webhook and account ids and the reason, never the URL or the secret.

import type { Logger } from "../observability/logger";
import type { Metrics } from "../observability/metrics";
import type { DisabledReason, WebhookRecord } from "../storage/records";
import type { Store } from "../storage/store";
import type { OperationalEvents } from "./operational-events";

export interface WebhookDisablingDeps {
  store: Store;
  logger: Logger;
  metrics: Metrics;
  events: OperationalEvents;
  now: () => number;
}

export class WebhookDisabling {
  constructor(private readonly deps: WebhookDisablingDeps) {}

  /**
   * Disables the webhook for `reason` when it is enabled, and reports it. Answers the webhook as
   * stored when this call disabled it; undefined when it was missing or already disabled (then
   * nothing is reported: of several replicas seeing the same 410, one reports it).
   */
  async disable(webhookId: string, reason: DisabledReason): Promise<WebhookRecord | undefined> {
    const disabled = await this.deps.store.webhooks.disable(webhookId, reason, this.deps.now());
    if (disabled) await this.announce(disabled);
    return disabled;
  }

  /** Reports a disable already written (by `disable`, or by an update that set enabled: false). */
  async announce(webhook: WebhookRecord): Promise<void> {
    const reason = webhook.disabled_reason ?? "manual";
    this.deps.logger.warn("webhook disabled", {
      webhook_id: webhook.id,
      account_id: webhook.account_id,
      reason,
    });
    this.deps.metrics.webhooksDisabled.inc({ reason });
    await this.deps.events.webhookDisabled(webhook);
  }
}
