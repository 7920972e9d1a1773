import { describe, expect, test } from "bun:test";
import { Fifo } from "./fifo";

describe("Fifo", () => {
  test("hands items back oldest first, and undefined when empty", () => {
    const q = new Fifo<number>();
    expect(q.shift()).toBeUndefined();
    q.push(1);
    q.push(2);
    expect(q.size).toBe(2);
    expect(q.shift()).toBe(1);
    q.push(3);
    expect([q.shift(), q.shift(), q.shift()]).toEqual([2, 3, undefined]);
    expect(q.size).toBe(0);
  });

  test("keeps its order across the compaction of a long consumed head", () => {
    const q = new Fifo<number>();
    const out: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      q.push(i);
      q.push(i + 0.5);
      out.push(q.shift() as number);
    }
    expect(q.size).toBe(10_000);
    const rest = q.drain();
    expect(q.size).toBe(0);
    const all = [...out, ...rest];
    expect(all).toHaveLength(20_000);
    for (let i = 1; i < all.length; i++) expect(all[i]).toBeGreaterThan(all[i - 1] as number);
  });
});
