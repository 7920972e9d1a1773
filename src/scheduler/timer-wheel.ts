// Hierarchical timing wheel with an injected clock: holds keyed items by due time and hands back
// those that are due when told the time. It knows nothing of delivery; the scheduler owns the
// clock and the timers.
//
// Layout: time is cut into ticks of `tickMs`; level l has `slotsPerLevel` (S) slots of S^l ticks
// each. An item sits at the lowest level where its due tick and the current tick agree on every
// base-S digit above that level, in the slot named by its own digit there. When the current tick
// reaches a slot of a higher level, that slot's items are redistributed to lower levels. Items
// beyond the top level's span wait in an overflow list until the top level reaches their window.
// The item due soonest is always in the first occupied slot of the lowest occupied level. Each
// lowest-level slot, and the overflow list, also keeps its items in a binary min-heap by due time
// with lazy deletion (a cancelled item stays in the heap until it reaches the top, or until the
// heap holds more dead items than live ones and is rebuilt), so the earliest due time is at hand
// without scanning the slot however many items share it.
//
// Guarantees:
// - advance(now) returns exactly the items with due <= now, each once, in due order (ties in the
//   order they were scheduled). The wheel adds no lateness of its own: worst-case lateness is the
//   caller's, i.e. how late it calls advance. A caller that wakes at nextDue() (a lower bound that
//   is exact at the lowest level and at most one slot early above it) sees each item on time or
//   after at most `levels` early wake-ups.
// - schedule is O(1) into a higher level and O(log n) into the lowest level or the overflow list
//   (n the items sharing that slot); cancel is amortized O(1). nextDue is amortized O(1) plus the
//   bitmap scan below. advance costs O(levels * S/32) per occupied slot it passes plus O(k log n)
//   for the k items returned, whatever the jump: ten idle days are crossed in one step.
// - Time never runs backwards: an advance to an earlier time than the last one counts as the last.
//   A due time already past fires at the next advance.

import type { FiredItem, Timer } from "./timer";

export interface TimerWheelOptions {
  /** Current time, ms. */
  now: number;
  /** Tick length, ms: a positive integer. Default 10. */
  tickMs?: number;
  /** Slots per level, at least 2. Default 256. */
  slotsPerLevel?: number;
  /** Levels, at least 1. Default 4 (with the defaults, 10 ms x 256^4 = about 497 days). */
  levels?: number;
}

interface Entry<T> {
  key: string;
  due: number;
  value: T;
  /** Due tick: floor(due / tickMs). */
  tick: number;
  /** Schedule order, to keep ties stable. */
  seq: number;
  /** Level holding it, OVERFLOW, or DETACHED while held nowhere (fired, cancelled, being moved). */
  level: number;
  slot: number;
}

const OVERFLOW = -1;
const DETACHED = -2;

/** Counts the work spent finding earliest due times (see TimerWheel.examined). */
interface Tally {
  examined: number;
}

/**
 * Binary min-heap of the entries at one place (a lowest-level slot, or the overflow list) by due
 * time, ties by schedule order. Deletion is lazy: an entry that left the place (it is then
 * DETACHED or elsewhere; entries never come back to a place they left) stays until it surfaces at
 * the top and is dropped, or until the heap is rebuilt from the place's live entries.
 */
class DueHeap<T> {
  private items: Entry<T>[] = [];

  constructor(
    private readonly tally: Tally,
    private readonly level: number,
    private readonly slot: number,
  ) {}

  /** Entries held, dead ones included. */
  get length(): number {
    return this.items.length;
  }

  push(entry: Entry<T>): void {
    const items = this.items;
    let i = items.length;
    items.push(entry);
    while (i > 0) {
      this.tally.examined++;
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (!before(entry, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = entry;
  }

  /** The earliest entry still at the place, dropping dead ones found on top; undefined when none. */
  peek(): Entry<T> | undefined {
    const items = this.items;
    while (items.length > 0) {
      const top = items[0]!;
      if (top.level === this.level && top.slot === this.slot) return top;
      this.pop();
    }
    return undefined;
  }

  /** Removes the top entry. */
  pop(): void {
    const last = this.items.pop()!;
    if (this.items.length > 0) this.siftDown(0, last);
  }

  clear(): void {
    this.items = [];
  }

  /** Replaces the contents with `entries` (the live ones), in O(n). */
  rebuild(entries: Iterable<Entry<T>>): void {
    const items = Array.from(entries);
    this.items = items;
    this.tally.examined += items.length;
    for (let i = (items.length >> 1) - 1; i >= 0; i--) this.siftDown(i, items[i]!);
  }

  /** Puts `entry` at index `i` or below, moving earlier children up. */
  private siftDown(i: number, entry: Entry<T>): void {
    const items = this.items;
    const n = items.length;
    for (;;) {
      this.tally.examined++;
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(items[r]!, items[l]!) ? r : l;
      if (!before(items[c]!, entry)) break;
      items[i] = items[c]!;
      i = c;
    }
    items[i] = entry;
  }
}

function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

function floorDiv(a: number, b: number): number {
  // Exact for integers below 2^53 even when a / b rounds up to the next integer.
  let q = Math.floor(a / b);
  if (q * b > a) q--;
  else if ((q + 1) * b <= a) q++;
  return q;
}

export class TimerWheel<T> implements Timer<T> {
  private readonly tickMs: number;
  private readonly slotsPerLevel: number;
  private readonly levels: number;
  /** S^l for l = 0..levels. */
  private readonly spans: number[];
  private readonly slots: Set<Entry<T>>[][];
  /** Per level, one bit per slot: set when the slot holds items. */
  private readonly occupied: Uint32Array[];
  private readonly levelCounts: number[];
  /** The lowest level's slots by due time, one heap per slot. */
  private readonly heaps: DueHeap<T>[];
  private readonly overflow = new Set<Entry<T>>();
  /** The overflow list by due time. */
  private readonly overflowHeap: DueHeap<T>;
  private readonly tally: Tally = { examined: 0 };
  private readonly entries = new Map<string, Entry<T>>();
  private nowMs: number;
  private cur: number;
  private seq = 0;

  constructor(opts: TimerWheelOptions) {
    const { now, tickMs = 10, slotsPerLevel = 256, levels = 4 } = opts;
    if (!Number.isFinite(now)) throw new RangeError(`now must be a finite time, got ${now}`);
    if (!Number.isSafeInteger(tickMs) || tickMs < 1)
      throw new RangeError(`tickMs must be a positive integer`);
    if (!Number.isSafeInteger(slotsPerLevel) || slotsPerLevel < 2)
      throw new RangeError(`slotsPerLevel must be >= 2`);
    if (!Number.isSafeInteger(levels) || levels < 1) throw new RangeError(`levels must be >= 1`);
    this.tickMs = tickMs;
    this.slotsPerLevel = slotsPerLevel;
    this.levels = levels;
    this.spans = [1];
    for (let l = 1; l <= levels; l++) this.spans.push(Math.min(this.spans[l - 1]! * slotsPerLevel, 2 ** 53));
    this.slots = [];
    this.occupied = [];
    this.levelCounts = [];
    for (let l = 0; l < levels; l++) {
      this.slots.push(Array.from({ length: slotsPerLevel }, () => new Set<Entry<T>>()));
      this.occupied.push(new Uint32Array(Math.ceil(slotsPerLevel / 32)));
      this.levelCounts.push(0);
    }
    this.heaps = Array.from({ length: slotsPerLevel }, (_, slot) => new DueHeap<T>(this.tally, 0, slot));
    this.overflowHeap = new DueHeap<T>(this.tally, OVERFLOW, 0);
    this.nowMs = now;
    this.cur = Math.floor(now / tickMs);
  }

  /** Items held. */
  get size(): number {
    return this.entries.size;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /**
   * Entries looked at so far to keep track of the earliest due times (heap steps and rebuilds).
   * A statistic for tests: it grows by O(log n) per operation, never by the size of a slot.
   */
  get examined(): number {
    return this.tally.examined;
  }

  /**
   * Holds `value` under `key` until `due` (ms), replacing whatever `key` held. O(1), or O(log n)
   * when it lands in the lowest level or the overflow list with n others.
   */
  schedule(key: string, due: number, value: T): void {
    if (!Number.isFinite(due)) throw new RangeError(`due must be a finite time, got ${due}`);
    this.cancel(key);
    const entry: Entry<T> = {
      key,
      due,
      value,
      tick: Math.floor(due / this.tickMs),
      seq: this.seq++,
      level: 0,
      slot: 0,
    };
    this.entries.set(key, entry);
    this.place(entry);
  }

  /** Forgets `key`; true when it was held. Amortized O(1). */
  cancel(key: string): boolean {
    const entry = this.entries.get(key);
    if (entry === undefined) return false;
    this.entries.delete(key);
    this.unplace(entry);
    return true;
  }

  /** Moves the clock to `now` and returns every item with due <= now, in due order. */
  advance(now: number): FiredItem<T>[] {
    if (!Number.isFinite(now)) throw new RangeError(`now must be a finite time, got ${now}`);
    if (now > this.nowMs) this.nowMs = now;
    const target = Math.floor(this.nowMs / this.tickMs);
    const fired: Entry<T>[] = [];
    while (this.cur < target) {
      // Everything in the current tick's slot is due before `target` begins.
      this.takeSlot(0, this.slotIndex(this.cur, 0), fired);
      const next = this.nextEventTick();
      if (next === undefined || next > target) {
        this.cur = target;
        break;
      }
      // Progress is guaranteed by the layout; fail loudly rather than spin if it were ever broken.
      if (next <= this.cur) throw new Error(`timer wheel stuck at tick ${this.cur}`);
      this.cur = next;
      this.cascade(next);
    }
    // The current tick is only partly past: take what is due by now and leave the rest.
    for (;;) {
      const entry = this.earliestAtLevel0(this.slotIndex(this.cur, 0));
      if (entry === undefined || entry.due > this.nowMs) break;
      this.unplace(entry);
      fired.push(entry);
    }
    for (const entry of fired) this.entries.delete(entry.key);
    fired.sort((a, b) => a.due - b.due || a.seq - b.seq);
    return fired.map(({ key, due, value }) => ({ key, due, value }));
  }

  /**
   * When to call advance next: the earliest due time held (exact when it sits at the lowest level
   * or in the overflow list), else a lower bound at most one higher-level slot early. Undefined
   * when empty. May be earlier than the last advance (an item scheduled in the past).
   */
  nextDue(): number | undefined {
    if (this.entries.size === 0) return undefined;
    const current = this.earliestAtLevel0(this.slotIndex(this.cur, 0));
    if (current !== undefined) return current.due;
    const next = this.nextEventTick();
    if (next === undefined) return undefined;
    if (this.levelCounts[0]! > 0) return this.earliestAtLevel0(this.slotIndex(next, 0))?.due;
    for (let l = 1; l < this.levels; l++) {
      if (this.levelCounts[l]! > 0) return next * this.tickMs;
    }
    return this.earliestInOverflow()?.due;
  }

  /** The earliest item in lowest-level slot `slot`; undefined when the slot is empty. */
  private earliestAtLevel0(slot: number): Entry<T> | undefined {
    if (this.slots[0]![slot]!.size === 0) return undefined;
    return this.heaps[slot]!.peek();
  }

  private earliestInOverflow(): Entry<T> | undefined {
    if (this.overflow.size === 0) return undefined;
    return this.overflowHeap.peek();
  }

  private slotIndex(tick: number, level: number): number {
    const q = floorDiv(tick, this.spans[level]!);
    const r = q % this.slotsPerLevel;
    return r < 0 ? r + this.slotsPerLevel : r;
  }

  private place(entry: Entry<T>): void {
    const tick = Math.max(entry.tick, this.cur);
    let level = 0;
    while (
      level < this.levels &&
      floorDiv(tick, this.spans[level + 1]!) !== floorDiv(this.cur, this.spans[level + 1]!)
    ) {
      level++;
    }
    if (level === this.levels) {
      entry.level = OVERFLOW;
      entry.slot = 0;
      this.overflow.add(entry);
      this.overflowHeap.push(entry);
      return;
    }
    const slot = this.slotIndex(tick, level);
    entry.level = level;
    entry.slot = slot;
    this.slots[level]![slot]!.add(entry);
    if (level === 0) this.heaps[slot]!.push(entry);
    this.levelCounts[level]!++;
    this.occupied[level]![slot >>> 5]! |= 1 << (slot & 31);
  }

  private unplace(entry: Entry<T>): void {
    const { level, slot } = entry;
    entry.level = DETACHED; // a dead entry for the heap that may still hold it
    if (level === OVERFLOW) {
      this.overflow.delete(entry);
      settleHeap(this.overflowHeap, this.overflow);
      return;
    }
    const set = this.slots[level]![slot]!;
    set.delete(entry);
    this.levelCounts[level]!--;
    if (set.size === 0) this.occupied[level]![slot >>> 5]! &= ~(1 << (slot & 31));
    if (level === 0) settleHeap(this.heaps[slot]!, set);
  }

  private takeSlot(level: number, slot: number, into: Entry<T>[]): void {
    const set = this.slots[level]![slot]!;
    if (set.size === 0) return;
    for (const entry of set) {
      entry.level = DETACHED; // until placed again, if it is
      into.push(entry);
    }
    this.levelCounts[level]! -= set.size;
    set.clear();
    if (level === 0) this.heaps[slot]!.clear();
    this.occupied[level]![slot >>> 5]! &= ~(1 << (slot & 31));
  }

  /** The first tick after `cur` at which a slot must be fired or redistributed. */
  private nextEventTick(): number | undefined {
    for (let l = 0; l < this.levels; l++) {
      if (this.levelCounts[l] === 0) continue;
      const span = this.spans[l]!;
      const from = this.slotIndex(this.cur, l) + 1;
      const slot = nextSetBit(this.occupied[l]!, from, this.slotsPerLevel);
      // Occupied slots at a level always lie ahead of the current digit, within its window.
      if (slot < 0) continue;
      const windowStart = floorDiv(this.cur, this.spans[l + 1]!) * this.spans[l + 1]!;
      return windowStart + slot * span;
    }
    const earliest = this.earliestInOverflow();
    if (earliest === undefined) return undefined;
    // The earliest due time has the smallest due tick (floor is monotonic).
    const top = this.spans[this.levels]!;
    return floorDiv(earliest.tick, top) * top;
  }

  /** At tick `tick`, redistributes the slots (and overflow window) that begin there. */
  private cascade(tick: number): void {
    const moved: Entry<T>[] = [];
    if (tick % this.spans[this.levels]! === 0 && this.overflow.size > 0) {
      const window = floorDiv(tick, this.spans[this.levels]!);
      for (const entry of this.overflow) {
        if (floorDiv(entry.tick, this.spans[this.levels]!) === window) {
          this.unplace(entry);
          moved.push(entry);
        }
      }
    }
    for (let l = this.levels - 1; l >= 1; l--) {
      if (tick % this.spans[l]! === 0) this.takeSlot(l, this.slotIndex(tick, l), moved);
    }
    for (const entry of moved) this.place(entry);
  }
}

/**
 * After an entry left `live` (the items of the place `heap` belongs to): empties the heap with
 * the place, and rebuilds it once dead entries outnumber live ones (plus some slack), so each
 * rebuild is paid for by the removals that made it necessary.
 */
function settleHeap<T>(heap: DueHeap<T>, live: Set<Entry<T>>): void {
  if (live.size === 0) heap.clear();
  else if (heap.length > 2 * live.size + 32) heap.rebuild(live);
}

/** Index of the first set bit at or after `from` (below `size`), or -1. */
function nextSetBit(bits: Uint32Array, from: number, size: number): number {
  if (from >= size) return -1;
  let word = from >>> 5;
  let w = bits[word]! & (0xffffffff << (from & 31));
  for (;;) {
    if (w !== 0) {
      const index = (word << 5) + (31 - Math.clz32(w & -w));
      return index < size ? index : -1;
    }
    word++;
    if (word >= bits.length) return -1;
    w = bits[word]!;
  }
}
