// What the scheduler needs of a timer: keyed items held by due time, handed back once due when told
// the time. Pure: the caller owns the clock and the real timers. Implementations are tested
// against one suite (timer.test.ts).

export interface FiredItem<T> {
  key: string;
  due: number;
  value: T;
}

export interface Timer<T> {
  /** Items held. */
  readonly size: number;
  has(key: string): boolean;
  /** The value held under `key`, if any. */
  get(key: string): T | undefined;
  /** Holds `value` under `key` until `due` (ms), replacing whatever `key` held. */
  schedule(key: string, due: number, value: T): void;
  /** Forgets `key`; true when it was held. */
  cancel(key: string): boolean;
  /**
   * When to call advance next: at most the earliest due time held (an implementation may answer
   * a little early, never late); undefined when empty.
   */
  nextDue(): number | undefined;
  /**
   * Moves the clock to `now` (never backwards: an earlier time counts as the last one) and answers
   * every item due by then, each once, in due order, ties in the order they were scheduled.
   */
  advance(now: number): FiredItem<T>[];
  /** Forgets every item, answering them (in no particular order); the clock stays where it is. */
  clear(): FiredItem<T>[];
}
