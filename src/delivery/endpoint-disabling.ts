// What a recorded failed attempt means beyond its delivery, the stage after `record`:
//
//   gone      a 410 Gone answer disables the webhook at once (reason "gone"); the store cancels
//             its pending deliveries, this one included, in the same write;
//   failing   a webhook whose attempts have all failed for INBOX_DISABLE_AFTER is disabled
//             (reason "failing"), read from the health record the store keeps with each attempt
//             (store.stats.health: failing_since), counted from the webhook's last change when that
//             is later (updated_at: re-enabled, new URL, ...), so a re-enabled webhook gets the whole
//             INBOX_DISABLE_AFTER again;
//   failed    a delivery that exhausted its schedule is reported to the operator (delivery.failed).
//
// Cost: nothing on the success path. After a failure, one map lookup; the health read happens at
// most once per CHECK_INTERVAL_MS_MAX (or disableAfterMs when shorter) per webhook, so a webhook
// is disabled at most that long after its failing run reaches disableAfterMs (given an attempt
// then). Disables go through the domain's WebhookDisabling (logged, counted, published); nothing
// here throws into the engine: an error is logged and the delivery's outcome stands.

import type { AttemptRecord } from "../storage/records";
import type { AttemptOutcomeUpdate, RecordResult } from "../storage/store";
import type { EngineResources } from "./engine-resources";
import type { SendOutcome } from "./sender";

const GONE = 410;
/** The longest a failing webhook waits between two checks of its health. */
const CHECK_INTERVAL_MS_MAX = 60_000;
/** Webhooks whose last check is remembered; the oldest is forgotten beyond this (it is checked again sooner). */
const CHECKED_WEBHOOKS_MAX = 10_000;

/** The receiver answered 410 Gone: its webhook is disabled with this attempt's outcome. */
export function isGone(outcome: SendOutcome): boolean {
  return !outcome.ok && outcome.status === GONE;
}

/** When each failing webhook's health was last read: a bounded map, oldest forgotten first. */
export class FailingChecks {
  private readonly checkedAt = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly webhooksMax = CHECKED_WEBHOOKS_MAX,
  ) {}

  /** The checks for INBOX_DISABLE_AFTER = `disableAfterMs`: at most a minute apart, or that. */
  static forDisableAfter(disableAfterMs: number): FailingChecks {
    return new FailingChecks(Math.min(CHECK_INTERVAL_MS_MAX, disableAfterMs));
  }

  /** True (and remembered) when the webhook was not checked within the interval before `now`. */
  due(webhookId: string, now: number): boolean {
    const last = this.checkedAt.get(webhookId);
    if (last !== undefined && now - last < this.intervalMs) return false;
    // Re-inserted, so that the map's order stays oldest check first.
    this.checkedAt.delete(webhookId);
    if (this.checkedAt.size >= this.webhooksMax) {
      const oldest = this.checkedAt.keys().next();
      if (!oldest.done) this.checkedAt.delete(oldest.value);
    }
    this.checkedAt.set(webhookId, now);
    return true;
  }

  get size(): number {
    return this.checkedAt.size;
  }
}

/** Reacts to a recorded attempt; resolves when done, never rejects. */
export async function afterAttempt(
  res: EngineResources,
  attempt: AttemptRecord,
  update: AttemptOutcomeUpdate,
  result: RecordResult,
): Promise<void> {
  if (attempt.outcome === "succeeded") return;
  try {
    // Counted by the store's write: exhausted now, not cancelled meanwhile.
    if (result.kind === "recorded" && result.delivery.status === "failed" && update.status === "failed")
      await res.operations.events.deliveryFailed(result.delivery);
    // The receiver says so, whether or not this replica's write was fenced.
    if (attempt.status_code === GONE) {
      await res.operations.disabling.disable(attempt.webhook_id, "gone");
      return;
    }
    if (result.kind === "recorded") await disableIfFailing(res, attempt.webhook_id);
  } catch (err) {
    res.logger.error("webhook check after a failed attempt failed", {
      webhook_id: attempt.webhook_id,
      delivery_id: attempt.delivery_id,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

async function disableIfFailing(res: EngineResources, webhookId: string): Promise<void> {
  const afterMs = res.config.disableAfterMs;
  if (afterMs <= 0) return;
  const now = res.now();
  if (!res.failingChecks.due(webhookId, now)) return;
  const { failing_since: since } = await res.store.stats.health(webhookId);
  if (since === null || now - since < afterMs) return;
  // The health record's run of failures outlives a disable: a webhook re-enabled (or changed, such
  // as a new URL) since the run began counts it from that change, not from failures before it.
  const webhook = await res.store.webhooks.getById(webhookId);
  if (!webhook?.enabled || now - Math.max(since, webhook.updated_at) < afterMs) return;
  await res.operations.disabling.disable(webhookId, "failing");
}
