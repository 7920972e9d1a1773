// When the write batcher commits. A commit costs about the same whether it carries one job or fifty
// (an fdatasync and a few page writes: hundreds of microseconds of CPU, mostly the kernel's), so at
// everyday rates, where the jobs of one event-loop turn are one or two, committing every turn made a
// commit per write. Pacing keeps commits from running back to back instead:
//
// - an urgent job (the default: a publish, an API write, anything a caller waits on) commits at the
//   end of the turn when the last commit started at least `commitGapMs` ago; otherwise it waits
//   until then, so that the jobs arriving meanwhile share its commit. At a low rate the gap has
//   always passed and nothing waits; at a high rate each waits at most `commitGapMs`. Counted from
//   the start, a slow commit (a busy disk) is never followed by a wait on top: the jobs that queued
//   during it commit at once;
// - a deferrable job (an attempt's outcome, which no request waits on) waits up to `deferMsMax`
//   for a commit an urgent job starts anyway;
// - `batchMax` jobs queued commit at the end of the turn, whatever the gap: a batch stays bounded
//   and a saturated server, whose batches are large, never waits.
//
// Guarantee: once a job is queued, a commit starts within its bound (plus the event loop's delay).

export interface CommitPacingOptions {
  /**
   * Least time between the starts of two commits while urgent jobs keep coming; the longest an
   * urgent job waits. 0 commits at the end of every turn that queued a job.
   */
  commitGapMs?: number;
  /** The longest a deferrable job waits for a commit. */
  deferMsMax?: number;
  /** Jobs queued at which a commit starts at the end of the turn, whatever the gap. */
  batchMax?: number;
  now?: () => number;
}

/** Defaults: 4 ms adds at most that to a publish's 202 at 1,000 events/s (p99 target 25 ms). */
export const COMMIT_GAP_MS = 4;
export const DEFER_MS_MAX = 50;
export const BATCH_MAX = 256;

export class CommitPacing {
  private readonly gapMs: number;
  private readonly deferMs: number;
  private readonly batchMax: number;
  private readonly now: () => number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private immediate: ReturnType<typeof setImmediate> | undefined;
  /** When the commit already asked for starts; +Infinity when none is. */
  private at = Number.POSITIVE_INFINITY;
  private lastCommitStart = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly commit: () => void,
    options: CommitPacingOptions = {},
  ) {
    this.gapMs = options.commitGapMs ?? COMMIT_GAP_MS;
    this.deferMs = options.deferMsMax ?? DEFER_MS_MAX;
    this.batchMax = options.batchMax ?? BATCH_MAX;
    this.now = options.now ?? performance.now.bind(performance);
  }

  /** A job was queued, making `size` in all: asks for a commit by the job's bound, if none is sooner. */
  queued(size: number, deferrable: boolean): void {
    const now = this.now();
    const at = this.startFor(size, deferrable, now);
    if (at >= this.at) return;
    this.cancel();
    this.at = at;
    if (at <= now) this.immediate = setImmediate(this.commit);
    else this.timer = setTimeout(this.commit, at - now);
  }

  /**
   * A commit starts now (whoever started it) and takes every job queued so far; a job queued during
   * it asks for the next one.
   */
  starting(): void {
    this.cancel();
    this.lastCommitStart = this.now();
  }

  /** Forgets the commit asked for. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    this.at = Number.POSITIVE_INFINITY;
  }

  private startFor(size: number, deferrable: boolean, now: number): number {
    if (size >= this.batchMax) return now;
    if (deferrable) return now + this.deferMs;
    return Math.max(now, this.lastCommitStart + this.gapMs);
  }
}
