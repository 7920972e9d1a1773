// An in-memory DueQueue with the store contract's ordering (due, then id), for scheduler tests
// that need millions of entries or precise control over what the store holds.

import type { DueEntry } from "../../src/storage/records";
import type { DueQueue } from "../../src/storage/store";

const before = (a: DueEntry, b: DueEntry) =>
  a.due < b.due || (a.due === b.due && a.delivery_id < b.delivery_id);

export class MemoryQueue implements DueQueue {
  private entries: DueEntry[] = [];
  readonly scans: Array<{ until: number; limit: number; returned: number; after?: DueEntry }> = [];

  /** Adds entries; sorts once, so bulk loads stay fast. */
  add(...entries: DueEntry[]): void {
    this.addAll(entries);
  }

  addAll(entries: DueEntry[]): void {
    for (const e of entries) this.entries.push(e);
    this.entries.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  }

  remove(id: string): void {
    const i = this.entries.findIndex((e) => e.delivery_id === id);
    if (i >= 0) this.entries.splice(i, 1);
  }

  scan(until: number, limit: number, after?: DueEntry): DueEntry[] {
    let lo = 0;
    if (after) {
      let hi = this.entries.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (before(after, this.entries[mid] as DueEntry)) hi = mid;
        else lo = mid + 1;
      }
    }
    const out: DueEntry[] = [];
    for (let i = lo; i < this.entries.length && out.length < limit; i++) {
      const e = this.entries[i] as DueEntry;
      if (e.due >= until) break;
      out.push(e);
    }
    this.scans.push({ until, limit, returned: out.length, after });
    return out;
  }

  size(): number {
    return this.entries.length;
  }
}
