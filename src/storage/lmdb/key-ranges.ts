// Helpers for ordered-binary array keys. A key that extends `prefix` sorts after the prefix itself
// and before `[...prefix, TOP]`, because every element after a prefix in our layouts is a number
// or an ASCII id, and TOP is the largest string there is.

import type { Database, Key } from "lmdb";

/** The largest Unicode code point: as a string element it sorts after every id and number. */
export const TOP = "\u{10ffff}";

export interface Entry<V> {
  key: Key[];
  value: V;
}

/** Every entry under `prefix`, oldest key first, at most `max`. */
export function entriesUnder<V>(db: Database, prefix: Key[], max = Number.POSITIVE_INFINITY): Entry<V>[] {
  const out: Entry<V>[] = [];
  for (const { key, value } of db.getRange({ start: prefix, end: [...prefix, TOP] })) {
    out.push({ key: key as Key[], value: value as V });
    if (out.length >= max) break;
  }
  return out;
}

/**
 * Removes every entry under `prefix`, handing each to `each` first, in chunks so that the keys held
 * in memory stay bounded however many there are. Runs inside the caller's write transaction.
 */
export function drainUnder<V>(
  db: Database,
  prefix: Key[],
  each: (entry: Entry<V>) => void,
  chunk = 10_000,
): number {
  let total = 0;
  for (;;) {
    const batch = entriesUnder<V>(db, prefix, chunk);
    for (const entry of batch) {
      each(entry);
      db.removeSync(entry.key);
    }
    total += batch.length;
    if (batch.length < chunk) return total;
  }
}

/**
 * Hands every entry of `db` to `each`, in key order, a chunk at a time: the whole table is never
 * held in memory, and `each` may write to `db` itself, since a chunk is read before it is handed on
 * (a write must not add keys after the one handed over, or they are handed over too).
 */
export function forEachEntry(db: Database, each: (key: Key, value: unknown) => void, chunk = 10_000): void {
  let after: Key | undefined;
  for (;;) {
    const batch: Array<{ key: Key; value: unknown }> = [];
    for (const { key, value } of db.getRange(
      after === undefined ? { limit: chunk } : { start: after, exclusiveStart: true, limit: chunk },
    ))
      batch.push({ key, value });
    for (const { key, value } of batch) each(key, value);
    if (batch.length < chunk) return;
    after = (batch[batch.length - 1] as { key: Key }).key;
  }
}
