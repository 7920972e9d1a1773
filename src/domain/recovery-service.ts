// Recovery after an outage (POST /v1/webhooks/{id}/recover): every delivery of one webhook created
// in a window that ended failed or cancelled goes back to pending and is attempted again on the
// whole retry schedule (DeliveryRecord.retry_base), its attempt numbers continuing. The request
// validates, counts what the window holds and saves the job, durably, before it answers; the work
// itself happens in the background in bounded batches (./recovery-runner.ts).

import type { RecoveryWindow } from "../storage/records";
import type { Store } from "../storage/store";
import { DomainError } from "./errors";
import { decodeJob, encodeJob, jobKey, newJobId, type RecoveryJob, webhookJobsPrefix } from "./recovery-jobs";
import type { RecoveryRunner } from "./recovery-runner";

/** Deliveries counted per store read; the count yields to the event loop between reads. */
export const COUNT_CHUNK = 5_000;

export interface RecoveryRequest {
  since: number;
  /** Default now; a later time means now (nothing is created in the future). */
  until?: number;
}

export interface RecoveryAccepted {
  webhook_id: string;
  window: RecoveryWindow;
  /** Failed and cancelled deliveries in the window when the request was answered. */
  deliveries: number;
}

export interface RecoveryServiceDeps {
  store: Store;
  runner: RecoveryRunner;
  now: () => number;
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

export class RecoveryService {
  /** Webhooks whose recover request is being answered by this process (counted, not yet saved). */
  private readonly requested = new Set<string>();

  constructor(private readonly deps: RecoveryServiceDeps) {}

  /**
   * Validates the window (422 naming the field), checks the webhook (404 unknown or another
   * account's; 409 disabled), counts, saves the job and starts it. With nothing to recover, no job
   * is made. Answers once the job is durable.
   *
   * One recovery of a webhook at a time: while one is being asked for in this process, or a job of
   * the webhook is saved and unfinished, another request is 409 (so repeated calls cannot pile up
   * jobs walking the same deliveries); a saved job this process is not running (paused after store
   * failures) is started again by that request.
   */
  async recover(accountId: string, webhookId: string, request: RecoveryRequest): Promise<RecoveryAccepted> {
    const now = this.deps.now();
    const window = windowOf(request, now);
    const webhook = await this.deps.store.webhooks.get(accountId, webhookId);
    if (!webhook) throw DomainError.notFound("webhook");
    if (!webhook.enabled) throw DomainError.conflict(DISABLED_MESSAGE);
    if (this.requested.has(webhookId)) throw DomainError.conflict(`${UNDER_WAY_MESSAGE}: ${ASK_AGAIN}`);
    this.requested.add(webhookId);
    try {
      await this.assertNoJob(webhookId);
      const deliveries = await this.count(accountId, webhookId, window);
      if (deliveries > 0) await this.startJob(accountId, webhookId, window, deliveries, now);
      return { webhook_id: webhookId, window, deliveries };
    } finally {
      this.requested.delete(webhookId);
    }
  }

  /** 409 when the webhook has an unfinished job, which is started again unless running already. */
  private async assertNoJob(webhookId: string): Promise<void> {
    for (const [, text] of await this.deps.store.meta.entries(webhookJobsPrefix(webhookId))) {
      const job = decodeJob(text);
      if (!job) continue;
      void this.deps.runner.start(job);
      throw DomainError.conflict(
        `${UNDER_WAY_MESSAGE} (${job.recovered} of ${job.counted} deliveries recovered so far): ${ASK_AGAIN}`,
      );
    }
  }

  private async count(accountId: string, webhookId: string, window: RecoveryWindow): Promise<number> {
    let total = 0;
    let after: string | undefined;
    for (;;) {
      const chunk = await this.deps.store.deliveries.countRecoverable(accountId, webhookId, window, {
        after,
        limit: COUNT_CHUNK,
      });
      total += chunk.count;
      if (chunk.next === null) return total;
      after = chunk.next;
      await nextTick();
    }
  }

  private async startJob(
    accountId: string,
    webhookId: string,
    window: RecoveryWindow,
    counted: number,
    now: number,
  ): Promise<void> {
    const job: RecoveryJob = {
      id: newJobId(webhookId),
      account_id: accountId,
      webhook_id: webhookId,
      window,
      after: null,
      counted,
      recovered: 0,
      created_at: now,
    };
    await this.deps.store.meta.set(jobKey(job.id), encodeJob(job));
    await this.deps.store.flushed();
    void this.deps.runner.start(job);
  }
}

/** [since, until) with until defaulting to (and capped at) now; since must come before it. */
function windowOf(request: RecoveryRequest, now: number): RecoveryWindow {
  const until = Math.min(request.until ?? now, now);
  if (request.since >= until) {
    const reason =
      request.until !== undefined && request.until <= request.since
        ? "must be before until"
        : "must be in the past";
    throw DomainError.invalid("the request is not valid", [{ field: "/since", reason }]);
  }
  return { since: request.since, until };
}

const UNDER_WAY_MESSAGE = "a recovery of this webhook is already under way";
const ASK_AGAIN = "ask again once it has finished";
const DISABLED_MESSAGE =
  "the webhook is disabled: enable it first (PUT /v1/webhooks/{id} with enabled: true), then recover its deliveries";
