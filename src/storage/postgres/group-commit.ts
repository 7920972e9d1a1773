// Group commit: the calls queued during one event-loop turn (at most BATCH_MAX of them) are written
// by one statement, one round trip and one commit for all of them, as LMDB's write batcher does.
//
// Guarantees:
// - each call's promise settles only after its batch's statement has finished; a batch that fails
//   with anything but an unreachable database is replayed call by call, so one bad call fails alone;
// - `keyOf` names what a call changes: two calls with the same key never share a batch (the second
//   waits for the next one), so a batch never holds two changes of one row;
// - at most IN_FLIGHT_MAX batches run at once; calls arriving meanwhile gather into the next one;
// - a batch holds at most BATCH_MAX calls and, with `weight`, calls weighing at most `weight.max`
//   together (a call heavier than that goes alone);
// - with `lazy`, calls that may wait (outcomes of attempts) do not start a batch of their own at
//   once: they wait for the next call that may not (a publish) and go with it, or at most
//   `lazy.waitMs` from the oldest one's arrival, or until `lazy.countMax` calls are queued. A call
//   that may not wait never waits for them.

import { StoreUnavailableError } from "../store";

export const BATCH_MAX = 500;
/** One batch at a time: the calls arriving during its round trip make the next one larger (2 in
 *  flight split them: 3 replicas on 2 cores, 13 instead of 18 records a statement). */
const IN_FLIGHT_MAX = 1;

interface Call<I, R> {
  input: I;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
  /** performance.now() when it was queued. */
  at: number;
}

export interface GroupCommitOptions<I> {
  weight?: { of: (input: I) => number; max: number };
  lazy?: { of: (input: I) => boolean; waitMs: number; countMax: number };
}

export class GroupCommit<I, R> {
  private queue: Call<I, R>[] = [];
  private scheduled = false;
  /** Set while the queue waits for its lazy calls' time (see `lazy`). */
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Queued calls that may not wait. */
  private eager = 0;
  private inFlight = 0;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    /** Writes the batch in one statement; answers one result per input, in order. */
    private readonly write: (inputs: I[]) => Promise<R[]>,
    /** What the call changes; null when calls never conflict. */
    private readonly keyOf: (input: I) => string | null,
    private readonly options: GroupCommitOptions<I> = {},
  ) {}

  run(input: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ input, resolve, reject, at: performance.now() });
      if (!this.isLazy(input)) this.eager++;
      // A wait for lazy calls ends once a call that may not wait, or enough of them, is queued.
      if (this.timer !== undefined && this.lazyWaitMs() <= 0) this.unschedule();
      this.schedule();
    });
  }

  /** Resolves once every call queued before has settled. */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isLazy(input: I): boolean {
    return this.options.lazy?.of(input) ?? false;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= IN_FLIGHT_MAX || this.queue.length === 0) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      this.timer = undefined;
      this.flush();
    };
    const waitMs = this.lazyWaitMs();
    if (waitMs > 0) this.timer = setTimeout(run, waitMs);
    else setImmediate(run);
  }

  private unschedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.scheduled = false;
  }

  /** How long the queue may still wait: > 0 only when it holds lazy calls alone, not too many. */
  private lazyWaitMs(): number {
    const lazy = this.options.lazy;
    const oldest = this.queue[0];
    if (!lazy || !oldest || this.eager > 0 || this.queue.length >= lazy.countMax) return 0;
    return Math.ceil(oldest.at + lazy.waitMs - performance.now());
  }

  private take(): Call<I, R>[] {
    const batch: Call<I, R>[] = [];
    const rest: Call<I, R>[] = [];
    const keys = new Set<string>();
    const { of: weightOf, max: weightMax } = this.options.weight ?? { of: () => 1, max: BATCH_MAX };
    let weight = 0;
    for (const call of this.queue) {
      const key = this.keyOf(call.input);
      const w = weightOf(call.input);
      const full = batch.length >= BATCH_MAX || (batch.length > 0 && weight + w > weightMax);
      if (full || (key !== null && keys.has(key))) rest.push(call);
      else {
        if (key !== null) keys.add(key);
        weight += w;
        batch.push(call);
        if (!this.isLazy(call.input)) this.eager--;
      }
    }
    this.queue = rest;
    return batch;
  }

  private flush(): void {
    const batch = this.take();
    if (batch.length === 0) {
      this.settleIdle();
      return;
    }
    this.inFlight++;
    this.commit(batch)
      .catch(() => undefined)
      .finally(() => {
        this.inFlight--;
        this.schedule();
        this.settleIdle();
      });
    this.schedule();
  }

  private async commit(batch: Call<I, R>[]): Promise<void> {
    try {
      const results = await this.write(batch.map((c) => c.input));
      for (const [i, call] of batch.entries()) call.resolve(results[i] as R);
    } catch (error) {
      if (batch.length === 1 || error instanceof StoreUnavailableError) {
        for (const call of batch) call.reject(error);
        return;
      }
      for (const call of batch) await this.commit([call]);
    }
  }

  private settleIdle(): void {
    if (this.queue.length > 0 || this.inFlight > 0) return;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }
}
