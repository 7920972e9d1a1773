// Runs tasks under two caps at once: a global one and one per key (per webhook), so that a key
// whose tasks never finish (a receiver that hangs) holds at most `perKey` slots and never delays
// tasks of other keys while global slots remain.
//
// Guarantees:
// - at most `global` tasks run, and at most `perKey` of one key;
// - a task whose key is at its cap waits in that key's FIFO without blocking other keys;
// - freed slots go to waiting keys in round-robin order, one task a key a turn, so a key with a
//   long queue cannot starve a key with a short one;
// - each key's FIFO holds at most `queuePerKey` tasks; `offer` refuses beyond that, and the caller
//   keeps the task elsewhere (the store's due-time queue) instead of in memory.

export interface KeyedLimiterOptions<T> {
  global: number;
  perKey: number;
  queuePerKey: number;
  /** Runs one task; its settling frees the slot. Rejections are the caller's to handle inside. */
  run: (key: string, item: T) => Promise<void>;
  /** Called after a slot of `key` was freed and waiting keys had their turn: room for more work. */
  onSlotFree?: (key: string) => void;
}

export type OfferResult = "started" | "queued" | "refused";

interface KeyState<T> {
  active: number;
  waiting: T[];
  head: number;
  /** Whether the key is in the ready ring (has waiting tasks and a free per-key slot). */
  ready: boolean;
}

export class KeyedLimiter<T> {
  private readonly keys = new Map<string, KeyState<T>>();
  private readonly readyRing: string[] = [];
  private readyHead = 0;
  private activeCount = 0;
  private waitingCount = 0;
  private paused = false;

  constructor(private readonly opts: KeyedLimiterOptions<T>) {}

  get active(): number {
    return this.activeCount;
  }

  get waiting(): number {
    return this.waitingCount;
  }

  /** Tasks waiting behind `key`. */
  waitingFor(key: string): number {
    const state = this.keys.get(key);
    return state ? state.waiting.length - state.head : 0;
  }

  hasGlobalRoom(): boolean {
    return !this.paused && this.activeCount < this.opts.global;
  }

  /** Starts the task now, queues it behind its key, or refuses it when that key's FIFO is full. */
  offer(key: string, item: T): OfferResult {
    let state = this.keys.get(key);
    if (!state) {
      state = { active: 0, waiting: [], head: 0, ready: false };
      this.keys.set(key, state);
    }
    const queued = state.waiting.length - state.head;
    if (queued === 0 && state.active < this.opts.perKey && this.hasGlobalRoom()) {
      this.start(key, state, item);
      return "started";
    }
    if (queued >= this.opts.queuePerKey) {
      this.forgetIfIdle(key, state);
      return "refused";
    }
    state.waiting.push(item);
    this.waitingCount++;
    this.markReady(key, state);
    this.pump();
    return "queued";
  }

  /** Stops starting tasks (queued ones stay queued); running ones finish. */
  pause(): void {
    this.paused = true;
  }

  /** Drops every queued task and returns them. */
  drain(): T[] {
    const out: T[] = [];
    for (const [key, state] of this.keys) {
      out.push(...state.waiting.slice(state.head));
      state.waiting = [];
      state.head = 0;
      state.ready = false;
      this.forgetIfIdle(key, state);
    }
    this.readyRing.length = 0;
    this.readyHead = 0;
    this.waitingCount = 0;
    return out;
  }

  private start(key: string, state: KeyState<T>, item: T): void {
    state.active++;
    this.activeCount++;
    let task: Promise<void>;
    try {
      task = this.opts.run(key, item);
    } catch (err) {
      task = Promise.reject(err);
    }
    task
      .catch(() => {})
      .finally(() => {
        state.active--;
        this.activeCount--;
        this.markReady(key, state);
        this.forgetIfIdle(key, state);
        this.pump();
        this.opts.onSlotFree?.(key);
      });
  }

  private markReady(key: string, state: KeyState<T>): void {
    if (!state.ready && state.waiting.length > state.head && state.active < this.opts.perKey) {
      state.ready = true;
      this.readyRing.push(key);
    }
  }

  private forgetIfIdle(key: string, state: KeyState<T>): void {
    if (state.active === 0 && state.waiting.length === state.head && !state.ready) this.keys.delete(key);
  }

  /** Gives free global slots to ready keys, one task per key per turn. */
  private pump(): void {
    while (this.hasGlobalRoom() && this.readyHead < this.readyRing.length) {
      const key = this.readyRing[this.readyHead++] as string;
      const state = this.keys.get(key);
      if (!state) continue;
      state.ready = false;
      if (state.waiting.length > state.head && state.active < this.opts.perKey) {
        const item = state.waiting[state.head] as T;
        state.waiting[state.head] = undefined as T;
        state.head++;
        this.waitingCount--;
        if (state.head > 1024 && state.head * 2 > state.waiting.length) {
          state.waiting = state.waiting.slice(state.head);
          state.head = 0;
        }
        this.start(key, state, item);
        this.markReady(key, state);
      }
      this.forgetIfIdle(key, state);
    }
    if (this.readyHead > 1024 && this.readyHead * 2 > this.readyRing.length) {
      this.readyRing.splice(0, this.readyHead);
      this.readyHead = 0;
    }
  }
}
