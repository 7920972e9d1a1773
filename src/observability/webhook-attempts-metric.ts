// inbox_webhook_attempts_total{webhook_id, outcome}: attempts per webhook for Prometheus, with a
// bounded cardinality. The first `max` webhooks seen (INBOX_METRICS_WEBHOOKS) get a series of
// their own; the rest share webhook_id="other", so the metric never has more than 2 * (max + 1)
// series however many webhooks there are. With max 0 (the default) it is never registered and is
// absent from /metrics. Which webhooks get their own series is per process, from its start.

import type { Counter, Metrics } from "./metrics";

export const WEBHOOK_ATTEMPTS_METRIC = "inbox_webhook_attempts_total";
export const OTHER_WEBHOOKS = "other";

export class WebhookAttemptsMetric {
  private readonly named = new Set<string>();
  constructor(
    private readonly counter: Counter,
    private readonly max: number,
  ) {}

  /** Counts one attempt of `webhookId`: O(1), one set look-up and one counter increment. */
  count(webhookId: string, outcome: "succeeded" | "failed"): void {
    if (!this.named.has(webhookId) && this.named.size < this.max) this.named.add(webhookId);
    const label = this.named.has(webhookId) ? webhookId : OTHER_WEBHOOKS;
    this.counter.inc({ webhook_id: label, outcome });
  }
}

const perRegistry = new WeakMap<Metrics, WebhookAttemptsMetric>();

/**
 * The metric of `metrics`, registered on first use when `max` > 0; undefined when `max` is 0.
 * One per Metrics: the first call's `max` holds (config does not change while running).
 */
export function webhookAttemptsMetric(metrics: Metrics, max: number): WebhookAttemptsMetric | undefined {
  if (max <= 0) return undefined;
  let metric = perRegistry.get(metrics);
  if (!metric) {
    const counter = metrics.registry.counter(
      WEBHOOK_ATTEMPTS_METRIC,
      `Delivery attempts per webhook by outcome; the first ${max} webhooks seen get their own webhook_id, the rest share webhook_id="${OTHER_WEBHOOKS}" (INBOX_METRICS_WEBHOOKS).`,
    );
    metric = new WebhookAttemptsMetric(counter, max);
    perRegistry.set(metrics, metric);
  }
  return metric;
}
