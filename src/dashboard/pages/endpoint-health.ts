// An endpoint's health in words, shared by the list and the endpoint page: success rate, the last
// outcome, and why it is disabled.

import type { WebhookStats } from "../../domain/stats-service";
import type { WebhookView } from "../../domain/webhooks-service";
import { timeText } from "../components/times";
import { type Html, html } from "../html";

/** "98.5 %", or "—" without attempts. */
export function successRate(stats: WebhookStats): string {
  if (stats.success_rate === null) return "—";
  return `${(Math.round(stats.success_rate * 1000) / 10).toString()} %`;
}

/** The newer of the last success and the last failure, as a badge with its time. */
export function lastOutcome(stats: WebhookStats): Html {
  const success = stats.last_success_at ?? -1;
  const failure = stats.last_failure_at ?? -1;
  if (success < 0 && failure < 0) return html`<span class="badge idle">None yet</span>`;
  const ok = success >= failure;
  return html`<span class="badge ${ok ? "ok" : "bad"}">${ok ? "Succeeded" : "Failed"}</span> ${timeTag(Math.max(success, failure))}`;
}

/** Why an endpoint is disabled, in words. */
export function disabledWords(webhook: WebhookView): string {
  switch (webhook.disabled_reason) {
    case "gone":
      return "its receiver answered 410 Gone";
    case "failing":
      return "every attempt failed for too long";
    default:
      return "disabled by you";
  }
}

/** A <time> element showing `ms` in UTC, to the second. */
export function timeTag(ms: number): Html {
  return html`<time datetime="${new Date(ms).toISOString()}">${timeText(ms)}</time>`;
}
