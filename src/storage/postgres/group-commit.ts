// Group commit: the calls queued during one event-loop turn (at most BATCH_MAX of them) are written
// by one statement, one round trip and one commit for all of them, as LMDB's write batcher does.
//
// Guarantees:
// - each call's promise settles only after its batch's statement has finished; a batch that fails
//   with anything but an unreachable database is replayed call by call, so one bad call fails alone
//   (the database becoming unreachable during the replay fails the calls left at once);
// - `keyOf` names what a call changes: two calls with the same key never share a batch (the second
//   waits for the next one), so a batch never holds two changes of one row;
// - at most IN_FLIGHT_MAX batches run at once (per lane, see `lazy`), and two calls with one key
//   never run at once; calls arriving meanwhile gather into the next batch;
// - a batch holds at most BATCH_MAX calls and, with `weight`, calls weighing at most `weight.max`
//   together (a call heavier than that goes alone);
// - with `lazy`, calls that may wait (outcomes of attempts) do not start a batch of their own at
//   once: the next batch of calls that may not wait (a publish) takes them along, or, once the
//   oldest has waited `lazy.waitMs` or `lazy.countMax` are queued, they go alone in a lane of their
//   own, beside the other lane's batch in flight. A call that may not wait never waits for them,
//   and never for a batch of theirs.

import { StoreUnavailableError } from "../store";

export const BATCH_MAX = 500;
/** One batch at a time per lane: the calls arriving during its round trip make the next one larger
 *  (2 in flight split them: 3 replicas on 2 cores, 13 instead of 18 records a statement). */
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

/** A batch's lane: "eager" batches hold every queued call (publishes and the outcomes waiting for
 *  them); "lazy" batches hold lazy calls alone, once they have waited long enough. */
type Lane = "eager" | "lazy";

export class GroupCommit<I, R> {
  private queue: Call<I, R>[] = [];
  /** An eager batch is due at the end of this turn. */
  private soon = false;
  /** Set while lazy calls wait for their time (see `lazy`). */
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Queued calls that may not wait. */
  private eager = 0;
  private readonly busy: Record<Lane, number> = { eager: 0, lazy: 0 };
  /** Keys of the calls in batches in flight: a call with one of them waits for the next batch. */
  private readonly keysInFlight = new Set<string>();
  /** Every call not yet settled: idle() waits for those queued before it, not for an empty queue,
   *  which calls arriving without pause (either lane) may never leave. */
  private readonly unsettled = new Set<Promise<R>>();

  constructor(
    /** Writes the batch in one statement; answers one result per input, in order. */
    private readonly write: (inputs: I[]) => Promise<R[]>,
    /** What the call changes; null when calls never conflict. */
    private readonly keyOf: (input: I) => string | null,
    private readonly options: GroupCommitOptions<I> = {},
  ) {}

  run(input: I): Promise<R> {
    const call = new Promise<R>((resolve, reject) => {
      this.queue.push({ input, resolve, reject, at: performance.now() });
      if (!this.isLazy(input)) this.eager++;
      // Enough lazy calls end their wait.
      else if (this.timer !== undefined && this.lazyWaitMs() <= 0) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
      this.schedule();
    });
    this.unsettled.add(call);
    const settled = () => this.unsettled.delete(call);
    call.then(settled, settled);
    return call;
  }

  /** Resolves once every call queued before has settled. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.unsettled]);
  }

  private isLazy(input: I): boolean {
    return this.options.lazy?.of(input) ?? false;
  }

  private schedule(): void {
    if (this.eager > 0 && this.busy.eager < IN_FLIGHT_MAX && !this.soon) {
      this.soon = true;
      setImmediate(() => {
        this.soon = false;
        this.flush("eager");
      });
    }
    this.scheduleLazy();
  }

  private scheduleLazy(): void {
    if (this.timer !== undefined || this.busy.lazy >= IN_FLIGHT_MAX || this.queue.length === this.eager)
      return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.flush("lazy");
      },
      Math.max(0, Math.ceil(this.lazyWaitMs())),
    );
  }

  /** How long the queued lazy calls may still wait: <= 0 once the oldest has waited `lazy.waitMs`
   *  or `lazy.countMax` are queued. */
  private lazyWaitMs(): number {
    const lazy = this.options.lazy;
    const oldest = this.queue.find((c) => this.isLazy(c.input));
    if (!lazy || !oldest || this.queue.length - this.eager >= lazy.countMax) return 0;
    return oldest.at + lazy.waitMs - performance.now();
  }

  /** Whether the call must wait for a later batch than the one `lane` is taking (holding `keys`). */
  private waits(call: Call<I, R>, lane: Lane, keys: Set<string>): boolean {
    if (lane === "lazy" && !this.isLazy(call.input)) return true;
    const key = this.keyOf(call.input);
    return key !== null && (keys.has(key) || this.keysInFlight.has(key));
  }

  private take(lane: Lane): Call<I, R>[] {
    const batch: Call<I, R>[] = [];
    const rest: Call<I, R>[] = [];
    const keys = new Set<string>();
    const { of: weightOf, max: weightMax } = this.options.weight ?? { of: () => 1, max: BATCH_MAX };
    let weight = 0;
    for (const call of this.queue) {
      const w = weightOf(call.input);
      const full = batch.length >= BATCH_MAX || (batch.length > 0 && weight + w > weightMax);
      if (full || this.waits(call, lane, keys)) {
        rest.push(call);
        continue;
      }
      const key = this.keyOf(call.input);
      if (key !== null) keys.add(key);
      weight += w;
      batch.push(call);
      if (!this.isLazy(call.input)) this.eager--;
    }
    this.queue = rest;
    for (const key of keys) this.keysInFlight.add(key);
    return batch;
  }

  private flush(lane: Lane): void {
    // A lazy batch goes only once its calls have waited long enough (an eager batch may have
    // taken the ones the timer was set for).
    if (lane === "lazy" && this.lazyWaitMs() > 0) {
      this.scheduleLazy();
      return;
    }
    const batch = this.take(lane);
    if (batch.length === 0) return;
    this.busy[lane]++;
    this.commit(batch)
      .catch(() => undefined)
      .finally(() => {
        this.busy[lane]--;
        for (const call of batch) {
          const key = this.keyOf(call.input);
          if (key !== null) this.keysInFlight.delete(key);
        }
        this.schedule();
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
      // Replayed one by one; once the database is unreachable, the calls left fail at once as a
      // whole batch does (each would otherwise wait out its own deadline, holding the lane).
      let down: StoreUnavailableError | undefined;
      for (const call of batch) {
        if (down) call.reject(down);
        else down = await this.commitAlone(call);
      }
    }
  }

  /** One call in a write of its own, settling it; the error when the database is unreachable. */
  private async commitAlone(call: Call<I, R>): Promise<StoreUnavailableError | undefined> {
    try {
      const [result] = await this.write([call.input]);
      call.resolve(result as R);
    } catch (error) {
      call.reject(error);
      if (error instanceof StoreUnavailableError) return error;
    }
    return undefined;
  }
}
