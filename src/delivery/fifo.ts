// A first-in first-out queue over an array with a moving head: push and shift are O(1) amortized,
// and the array is cut down once the consumed part is the larger one (Array#shift is O(n)).

export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The oldest item, removed; undefined when empty. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1_024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes the newest items beyond the first `keep` and answers them, oldest first. */
  cut(keep: number): T[] {
    const from = this.head + Math.max(0, keep);
    if (from >= this.items.length) return [];
    return this.items.splice(from) as T[];
  }

  /** Removes every item and answers them, oldest first. */
  drain(): T[] {
    const out = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return out;
  }
}
