import { describe, expect, test } from "bun:test";
import { ReadCache } from "./read-cache";

describe("ReadCache", () => {
  test("loads once, then serves the kept value until cleared", () => {
    const cache = new ReadCache<{ n: number }>(10);
    let loads = 0;
    const load = () => ({ n: ++loads });
    expect(cache.get("a", load)).toEqual({ n: 1 });
    expect(cache.get("a", load)).toEqual({ n: 1 });
    cache.clear();
    expect(cache.get("a", load)).toEqual({ n: 2 });
  });

  test("keeps nothing for a missing record, so unknown keys cannot fill it", () => {
    const cache = new ReadCache<string>(10);
    let loads = 0;
    for (let i = 0; i < 3; i++) cache.get("missing", () => void loads++);
    expect(loads).toBe(3);
  });

  test("starts over at capacity", () => {
    const cache = new ReadCache<number>(2);
    let loads = 0;
    const load = () => ++loads;
    cache.get("a", load);
    cache.get("b", load);
    cache.get("c", load); // full: starts over with c alone
    expect(loads).toBe(3);
    cache.get("c", load);
    expect(loads).toBe(3);
    cache.get("a", load);
    expect(loads).toBe(4);
  });

  test("freezes what it keeps, nested values included", () => {
    const cache = new ReadCache<{ list: string[] }>(10);
    const value = cache.get("k", () => ({ list: ["x"] })) as { list: string[] };
    expect(Object.isFrozen(value)).toBe(true);
    expect(() => value.list.push("y")).toThrow();
  });
});
