// Runs recovery jobs (./recovery-jobs.ts) in the background, a bounded batch at a time: each batch
// is one store write of at most RECOVER_BATCH_MAX deliveries, and the runner yields to the event
// loop between batches, so a million failed deliveries never stall the API or the delivery engine.
// After each batch the job's position is saved, and the engine is told that work is due (a hint:
// the store's due work stays the truth). A job ends when its window is walked (its key deleted), or
// when its webhook is disabled or deleted meanwhile (the store refuses the batch; nothing more is
// recovered). A batch that fails (store full or unreachable) is tried again after a pause, a few
// times; then the job waits in the store for the next start.
//
// At shutdown, stop() (src/app.ts, before the store closes) lets a batch in progress finish and save
// its position, ends the pauses, and runs no further batch: the job waits, saved, for the next start.
// A batch still running when stop's bound passes is abandoned: its write is atomic, and the next
// start runs it again from the last saved position (harmless: a batch takes only deliveries still
// failed or cancelled).
//
// One runner per store in a process (recoveryRunnerFor), so a job is never run twice by one process.
// On PostgreSQL, a replica starting while another runs a job runs it too: harmless, since a batch
// takes only deliveries still failed or cancelled, in one write.

import type { Logger } from "../observability/logger";
import type { Store } from "../storage/store";
import type { DeliveryPort } from "./delivery-port";
import { decodeJob, encodeJob, jobKey, RECOVERY_JOB_PREFIX, type RecoveryJob } from "./recovery-jobs";

/** Deliveries one batch recovers at most (one store write). */
export const RECOVER_BATCH_MAX = 250;
/** Pauses before a failed batch is tried again; after the last, the job waits for the next start. */
const RETRY_PAUSES_MS = [1_000, 5_000, 15_000];

export interface RecoveryRunnerDeps {
  store: Store;
  delivery: Pick<DeliveryPort, "retried">;
  logger: Logger;
  now: () => number;
  /** Pauses before a failed batch is tried again (default 1, 5 and 15 s). */
  retryPausesMs?: readonly number[];
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

export class RecoveryRunner {
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;
  /** Ends the pauses in progress (stop). */
  private readonly wakers = new Set<() => void>();

  constructor(private readonly deps: RecoveryRunnerDeps) {}

  /**
   * Starts the job in the background unless this runner already runs it; answers when it ends.
   * Once stopped, runs nothing: the job stays saved for the next start.
   */
  start(job: RecoveryJob): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const current = this.running.get(job.id);
    if (current) return current;
    const run = this.run(job).finally(() => this.running.delete(job.id));
    this.running.set(job.id, run);
    return run;
  }

  /** Starts every unfinished job the store holds (at startup); answers how many. */
  async resumeAll(): Promise<number> {
    if (this.stopped) return 0;
    const entries = await this.deps.store.meta.entries(RECOVERY_JOB_PREFIX);
    let resumed = 0;
    for (const [key, text] of entries) {
      const job = decodeJob(text);
      if (!job) {
        this.deps.logger.warn("recovery job unreadable; skipped", { key });
        continue;
      }
      this.deps.logger.info("recovery resumed", fieldsOf(job));
      void this.start(job);
      resumed++;
    }
    return resumed;
  }

  /** Jobs running now. */
  get size(): number {
    return this.running.size;
  }

  /**
   * Shutdown: no batch starts after this call and pauses end at once; answers when the batches in
   * progress have finished (their positions saved), or after `boundMs` at the latest. Every job
   * not finished stays saved in the store and resumes at the next start.
   */
  async stop(boundMs: number): Promise<void> {
    this.stopped = true;
    for (const wake of this.wakers) wake();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, boundMs);
    });
    await Promise.race([Promise.all(this.running.values()), bound]).finally(() => clearTimeout(timer));
  }

  private async run(job: RecoveryJob): Promise<void> {
    for (;;) {
      await nextTick();
      if (this.stopped) {
        this.deps.logger.info(
          "recovery stopped by the shutdown; it resumes at the next start",
          fieldsOf(job),
        );
        return;
      }
      const step = await this.batchWithRetries(job);
      if (step !== "more") return;
    }
  }

  private async batchWithRetries(job: RecoveryJob): Promise<"more" | "ended" | "paused"> {
    for (let tried = 0; ; tried++) {
      try {
        return await this.batch(job);
      } catch (error) {
        const wait = (this.deps.retryPausesMs ?? RETRY_PAUSES_MS)[tried];
        const fields = { ...fieldsOf(job), error: error instanceof Error ? error.message : String(error) };
        if (wait === undefined) {
          this.deps.logger.error("recovery paused: it resumes at the next start", fields);
          return "paused";
        }
        this.deps.logger.warn("recovery batch failed; trying again", { ...fields, retry_in_ms: wait });
        await this.pause(wait);
        if (this.stopped) return "more"; // run() sees the stop and ends the job, saved
      }
    }
  }

  /** Waits `ms`, or less when stopped meanwhile; never keeps the process alive. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      (timer as { unref?: () => void }).unref?.();
      this.wakers.add(wake);
    });
  }

  /** One batch, then the job's new position saved (or the job deleted when it has ended). */
  private async batch(job: RecoveryJob): Promise<"more" | "ended"> {
    const { store, delivery, logger, now } = this.deps;
    const due = now();
    const result = await store.deliveries.recover(job.account_id, job.webhook_id, job.window, {
      after: job.after ?? undefined,
      limit: RECOVER_BATCH_MAX,
      due,
    });
    if (result.kind === "refused") {
      await store.meta.delete(jobKey(job.id));
      logger.info(`recovery stopped: the webhook was ${result.reason}`, fieldsOf(job));
      return "ended";
    }
    job.recovered += result.deliveries.length;
    const first = result.deliveries[0];
    if (first) delivery.retried(first.id, due);
    if (result.next === null) {
      await store.meta.delete(jobKey(job.id));
      logger.info("recovery finished", fieldsOf(job));
      return "ended";
    }
    job.after = result.next;
    await store.meta.set(jobKey(job.id), encodeJob(job));
    return "more";
  }
}

function fieldsOf(job: RecoveryJob) {
  return {
    recovery_id: job.id,
    webhook_id: job.webhook_id,
    counted: job.counted,
    recovered: job.recovered,
  };
}

const runners = new WeakMap<Store, RecoveryRunner>();

/** The one runner of this store in this process, made on first use with `deps`. */
export function recoveryRunnerFor(deps: RecoveryRunnerDeps): RecoveryRunner {
  let runner = runners.get(deps.store);
  if (!runner) {
    runner = new RecoveryRunner(deps);
    runners.set(deps.store, runner);
  }
  return runner;
}

/**
 * Startup: resumes the jobs an earlier process left unfinished (src/app.ts). Answers the runner,
 * which the app stops at shutdown.
 */
export function resumeRecoveries(deps: RecoveryRunnerDeps): RecoveryRunner {
  const runner = recoveryRunnerFor(deps);
  runner.resumeAll().catch((error: unknown) =>
    deps.logger.error("recovery jobs could not be read; they resume at the next start", {
      error: error instanceof Error ? error.message : String(error),
    }),
  );
  return runner;
}
