// What one finished attempt becomes: the attempt record kept in the log, the delivery's next step
// (retry at, succeeded, failed), and the metrics and log lines that report it. Pure except for the
// metrics and logger it is handed.

import type { Config } from "../config/config";
import { newId } from "../domain/ids";
import type { Logger } from "../observability/logger";
import type { Metrics } from "../observability/metrics";
import { webhookAttemptsMetric } from "../observability/webhook-attempts-metric";
import type { AttemptRecord, DeliveryRecord, EventRecord, WebhookRecord } from "../storage/records";
import type { AttemptOutcomeUpdate } from "../storage/store";
import { decideRetry } from "./retry-policy";
import type { SendOutcome } from "./sender";

/** The outcome of an attempt that could not be made because its event is gone (never retried). */
export const MISSING_EVENT: SendOutcome = {
  ok: false,
  errorClass: "network",
  status: null,
  message: "the event is no longer stored; nothing to send",
  body: null,
  durationMs: 0,
  retryAfterMs: null,
};

/** The log entry of one attempt; `delivery` is null for a test send, which names its event. */
export function attemptRecord(opts: {
  delivery: DeliveryRecord | null;
  event: Pick<EventRecord, "id" | "type"> | null;
  webhook: WebhookRecord;
  attempt: number;
  startedAt: number;
  outcome: SendOutcome;
}): AttemptRecord {
  const { delivery, event, webhook, outcome } = opts;
  return {
    id: newId("att", opts.startedAt),
    account_id: webhook.account_id,
    webhook_id: webhook.id,
    delivery_id: delivery?.id ?? null,
    event_id: delivery?.event_id ?? event?.id ?? "",
    event_type: delivery?.event_type ?? event?.type ?? "",
    attempt: opts.attempt,
    started_at: opts.startedAt,
    duration_ms: outcome.durationMs,
    outcome: outcome.ok ? "succeeded" : "failed",
    status_code: outcome.status,
    error_class: outcome.ok ? null : outcome.errorClass,
    error_message: outcome.ok ? null : outcome.message,
    response_body: outcome.body,
    test: delivery === null,
  };
}

/**
 * How attempt number `attempt` moves its delivery on: done, failed for good, or retried at a time.
 * The schedule counts from `retryBase` (DeliveryRecord.retry_base: the attempts made before the
 * delivery was last recovered), so a recovered delivery gets the whole schedule again.
 */
export function nextStep(
  outcome: SendOutcome,
  attempt: number,
  config: Pick<Config, "retrySchedule" | "retryAfterMsMax">,
  now: number,
  retryable = true,
  retryBase = 0,
): AttemptOutcomeUpdate {
  if (outcome.ok) return { status: "succeeded" };
  if (!retryable) return { status: "failed" };
  const decision = decideRetry({
    attemptsMade: Math.max(0, attempt - retryBase),
    schedule: config.retrySchedule,
    now,
    retryAfterMs: outcome.retryAfterMs,
    retryAfterMsMax: config.retryAfterMsMax,
  });
  return decision.outcome === "retry"
    ? { status: "pending", next_attempt_at: decision.at }
    : { status: "failed" };
}

/** Counts the attempt and logs it: one debug line per attempt, one warning per failure. */
export function reportAttempt(
  deps: { metrics: Metrics; logger: Logger; now: () => number; config: Pick<Config, "metricsWebhooksMax"> },
  delivery: DeliveryRecord,
  record: AttemptRecord,
  update: AttemptOutcomeUpdate,
  stored: DeliveryRecord | undefined,
): void {
  const { metrics, logger } = deps;
  metrics.attempts.inc({ outcome: record.outcome, error_class: record.error_class ?? "none" });
  metrics.attemptLatency.observe(record.duration_ms / 1000);
  webhookAttemptsMetric(metrics, deps.config.metricsWebhooksMax)?.count(record.webhook_id, record.outcome);
  if (record.attempt === 1) {
    metrics.publishToFirstAttempt.observe(Math.max(0, deps.now() - delivery.created_at) / 1000);
  }
  // Counted only when the store took the step (a delivery cancelled meanwhile keeps its status).
  if (stored?.status === "succeeded" && update.status === "succeeded") metrics.deliveriesSucceeded.inc();
  if (stored?.status === "failed" && update.status === "failed") metrics.deliveriesFailed.inc();
  const fields = {
    delivery_id: record.delivery_id,
    webhook_id: record.webhook_id,
    event_id: record.event_id,
    attempt: record.attempt,
    outcome: record.outcome,
    status_code: record.status_code,
    error_class: record.error_class,
    duration_ms: record.duration_ms,
    next: update.status === "pending" ? new Date(update.next_attempt_at).toISOString() : update.status,
  };
  logger.debug("delivery attempt", fields);
  if (record.outcome === "failed")
    logger.warn("delivery attempt failed", { ...fields, error: record.error_message });
}
