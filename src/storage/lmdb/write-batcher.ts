// Group commit. Every writing method of the store hands a synchronous job to `run`; queued jobs
// execute one after another inside a single LMDB write transaction, which commits (and is flushed
// to disk) once for all of them. Each commit is an fdatasync, hundreds of microseconds of CPU on its
// own, so when to commit is paced (commit-pacing.ts): a job waits a little only when waiting saves
// commits, and a bounded time at most.
//
// Guarantees:
// - a job's promise resolves only after the transaction holding it has committed and been
//   flushed, so the caller reads its own writes, and durably;
// - a job waits at most `commitGapMs` (urgent jobs, the default) or `deferMsMax` (deferrable jobs)
//   for its commit to start, plus the event loop's own delay; every commit takes every job queued;
// - each job sees the effects of the jobs before it (reads inside a job go through the write
//   transaction), so read-check-write logic in a job can never interleave with another job;
// - a job that throws fails alone: the shared transaction is rolled back and the other jobs of
//   the batch are replayed, each in a transaction of its own. Jobs must therefore touch nothing
//   but the database (no in-memory side effects), so that running one twice is harmless; what a
//   job changes in memory is staged and applied by its afterCommit once `committed` is true;
// - close() commits what is queued at once;
// - with a tail (TransactionTail), every transaction runs tail.begin() before its first job and
//   tail.end() after its last, inside the transaction: what the jobs staged there is written in
//   the same commit, and a transaction that throws drops it (tail.drop()).

import type { RootDatabase } from "lmdb";
import { CommitPacing, type CommitPacingOptions } from "./commit-pacing";

/** Runs once the job's transaction has ended: `committed` is false when it rolled back. */
export type AfterCommit = (committed: boolean) => void;

export interface RunOptions {
  /**
   * Nobody waits on this job for an answer (an attempt's outcome): it may wait up to `deferMsMax`
   * for a commit that an urgent job starts anyway. Its durability is unchanged: its promise still
   * resolves only after its commit.
   */
  deferrable?: boolean;
}

/**
 * Writes that jobs stage in memory during a transaction and that are written once, at its end,
 * inside it (./attempt-rollups.ts: one health record per webhook rather than one per attempt).
 */
export interface TransactionTail {
  /** A transaction starts: nothing is staged. */
  begin(): void;
  /** Its jobs are done: writes what they staged, inside the transaction, and forgets it. */
  end(): void;
  /** A job threw (the transaction rolls back): forgets what was staged, writing nothing. */
  drop(): void;
}

export interface WriteBatcherOptions extends CommitPacingOptions {
  tail?: TransactionTail;
}

interface Job {
  fn: () => unknown;
  afterCommit: AfterCommit | undefined;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class WriteBatcher {
  private queue: Job[] = [];
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  private readonly pacing: CommitPacing;
  private readonly tail: TransactionTail | undefined;

  /** `root` is the environment, or a wrapper of its transactionSync (lmdb-store's disk-space guard). */
  constructor(
    private readonly root: Pick<RootDatabase, "transactionSync">,
    options: WriteBatcherOptions = {},
  ) {
    this.pacing = new CommitPacing(() => this.commit(), options);
    this.tail = options.tail;
  }

  /**
   * Queues `fn`. `afterCommit` runs synchronously once the job's transaction has committed, before
   * any promise of the batch resolves (read caches drop what the job changed there), and also, with
   * `committed` false, when its batch's transaction rolls back (before the job is replayed alone).
   * In-memory effects of a job belong here, applied only when `committed` is true.
   */
  run<T>(fn: () => T, afterCommit?: AfterCommit, options?: RunOptions): Promise<T> {
    if (this.closed) return Promise.reject(new Error("the store is closed"));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, afterCommit, resolve: resolve as (value: unknown) => void, reject });
      this.pacing.queued(this.queue.length, options?.deferrable === true);
    });
  }

  /** Resolves once every job queued before the call has committed (or failed); hurries them. */
  idle(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.pacing.queued(this.queue.length, false);
    });
  }

  /** Commits what is queued now and refuses new jobs. */
  close(): void {
    this.closed = true;
    this.pacing.cancel();
    if (this.queue.length > 0) this.commit();
  }

  private commit(): void {
    this.pacing.starting();
    const jobs = this.queue;
    const waiters = this.idleWaiters;
    this.queue = [];
    this.idleWaiters = [];
    const results = this.commitTogether(jobs);
    if (results) {
      for (const job of jobs) job.afterCommit?.(true);
      for (let i = 0; i < jobs.length; i++) jobs[i]?.resolve(results[i]);
    } else {
      // Something in the batch threw and the whole transaction rolled back: replay one by one
      // so that only the failing job fails. What the rolled-back jobs left in read caches goes.
      for (const job of jobs) job.afterCommit?.(false);
      for (const job of jobs) this.commitAlone(job);
    }
    for (const wake of waiters) wake();
  }

  /** Every job's result from one shared transaction, or undefined when one threw (all rolled back). */
  private commitTogether(jobs: Job[]): unknown[] | undefined {
    try {
      return this.root.transactionSync(() => this.withTail(() => jobs.map((job) => job.fn())));
    } catch {
      return undefined;
    }
  }

  /** `body` (a transaction's jobs) between the tail's begin and end; inside the transaction. */
  private withTail<T>(body: () => T): T {
    const tail = this.tail;
    if (tail === undefined) return body();
    tail.begin();
    let result: T;
    try {
      result = body();
    } catch (error) {
      tail.drop();
      throw error;
    }
    tail.end();
    return result;
  }

  /** One job in a transaction of its own, settling its promise either way. */
  private commitAlone(job: Job): void {
    try {
      const result = this.root.transactionSync(() => this.withTail(job.fn));
      job.afterCommit?.(true);
      job.resolve(result);
    } catch (error) {
      job.afterCommit?.(false);
      job.reject(error);
    }
  }
}
