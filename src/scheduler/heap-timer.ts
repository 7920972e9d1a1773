// A Timer over one binary min-heap by due time (ties by schedule order), with each entry's place
// in the heap tracked so that cancel and re-schedule are O(log n) without dead entries left behind.
// The scheduler keeps only what falls due within its horizon, at most `heldMax` ids, so n stays
// bounded and log n small (about 16 for 50,000).
//
// Guarantees: schedule and cancel O(log n); nextDue O(1) and exact; advance O(k log n) for the k
// items it answers, whatever the jump in time.

import type { FiredItem, Timer } from "./timer";

interface Entry<T> {
  key: string;
  due: number;
  value: T;
  /** Schedule order, to keep ties stable. */
  seq: number;
  /** Index in the heap array. */
  index: number;
}

export class HeapTimer<T> implements Timer<T> {
  private readonly heap: Entry<T>[] = [];
  private readonly entries = new Map<string, Entry<T>>();
  private nowMs: number;
  private seq = 0;

  constructor(opts: { now: number }) {
    if (!Number.isFinite(opts.now)) throw new RangeError(`now must be a finite time, got ${opts.now}`);
    this.nowMs = opts.now;
  }

  get size(): number {
    return this.heap.length;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  get(key: string): T | undefined {
    return this.entries.get(key)?.value;
  }

  schedule(key: string, due: number, value: T): void {
    if (!Number.isFinite(due)) throw new RangeError(`due must be a finite time, got ${due}`);
    this.cancel(key);
    const entry: Entry<T> = { key, due, value, seq: this.seq++, index: this.heap.length };
    this.entries.set(key, entry);
    this.heap.push(entry);
    this.siftUp(entry);
  }

  cancel(key: string): boolean {
    const entry = this.entries.get(key);
    if (entry === undefined) return false;
    this.entries.delete(key);
    this.removeAt(entry.index);
    return true;
  }

  nextDue(): number | undefined {
    return this.heap[0]?.due;
  }

  advance(now: number): FiredItem<T>[] {
    if (!Number.isFinite(now)) throw new RangeError(`now must be a finite time, got ${now}`);
    if (now > this.nowMs) this.nowMs = now;
    const fired: FiredItem<T>[] = [];
    for (let top = this.heap[0]; top !== undefined && top.due <= this.nowMs; top = this.heap[0]) {
      this.entries.delete(top.key);
      this.removeAt(0);
      fired.push({ key: top.key, due: top.due, value: top.value });
    }
    return fired;
  }

  clear(): FiredItem<T>[] {
    const all = this.heap.map(({ key, due, value }) => ({ key, due, value }));
    this.heap.length = 0;
    this.entries.clear();
    return all;
  }

  private removeAt(index: number): void {
    const last = this.heap.pop() as Entry<T>;
    if (index === this.heap.length) return;
    last.index = index;
    this.heap[index] = last;
    this.siftUp(last);
    this.siftDown(last);
  }

  private siftUp(entry: Entry<T>): void {
    const heap = this.heap;
    let i = entry.index;
    while (i > 0) {
      const parent = heap[(i - 1) >> 1] as Entry<T>;
      if (!before(entry, parent)) break;
      this.put(parent, i);
      i = (i - 1) >> 1;
    }
    this.put(entry, i);
  }

  private siftDown(entry: Entry<T>): void {
    const heap = this.heap;
    const n = heap.length;
    let i = entry.index;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = (
        r < n && before(heap[r] as Entry<T>, heap[l] as Entry<T>) ? heap[r] : heap[l]
      ) as Entry<T>;
      if (!before(child, entry)) break;
      const at = child.index;
      this.put(child, i);
      i = at;
    }
    this.put(entry, i);
  }

  private put(entry: Entry<T>, index: number): void {
    entry.index = index;
    this.heap[index] = entry;
  }
}

function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
