// A recovery job as the store keeps it until it is done: one meta key per job
// (`recovery_job:<webhook id>:<uuid>`), written before POST /v1/webhooks/{id}/recover answers 202 and rewritten
// with its position after every batch, so a crash or a restart loses nothing that answer promised:
// unfinished jobs are found again by their prefix at startup (./recovery-runner.ts).

import type { RecoveryWindow } from "../storage/records";

export const RECOVERY_JOB_PREFIX = "recovery_job:";

export interface RecoveryJob {
  id: string;
  account_id: string;
  webhook_id: string;
  window: RecoveryWindow;
  /** Where the next batch starts (RecoverBatch.next); null before the first. */
  after: string | null;
  /** How many deliveries the 202 answer counted. */
  counted: number;
  /** Deliveries recovered so far. */
  recovered: number;
  created_at: number;
}

export function jobKey(id: string): string {
  return `${RECOVERY_JOB_PREFIX}${id}`;
}

/** A new job's id: its webhook's id first, so that the webhook's jobs share a key prefix. */
export function newJobId(webhookId: string): string {
  return `${webhookId}:${crypto.randomUUID()}`;
}

/** The key prefix of the webhook's jobs (their ids start with the webhook's id: newJobId). */
export function webhookJobsPrefix(webhookId: string): string {
  return `${RECOVERY_JOB_PREFIX}${webhookId}:`;
}

export function encodeJob(job: RecoveryJob): string {
  return JSON.stringify(job);
}

/** The job stored as `text`, or undefined when it is not one (never thrown: a bad key is skipped). */
export function decodeJob(text: string): RecoveryJob | undefined {
  try {
    const job = JSON.parse(text) as RecoveryJob;
    const ok =
      typeof job.id === "string" &&
      typeof job.account_id === "string" &&
      typeof job.webhook_id === "string" &&
      Number.isSafeInteger(job.window?.since) &&
      Number.isSafeInteger(job.window?.until) &&
      (job.after === null || typeof job.after === "string");
    return ok ? job : undefined;
  } catch {
    return undefined;
  }
}
