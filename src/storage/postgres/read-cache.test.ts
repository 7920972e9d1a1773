import { describe, expect, test } from "bun:test";
import { TtlCache } from "./read-cache";

describe("TtlCache", () => {
  test("serves an entry until maxAgeMs has passed, then loads again", async () => {
    let now = 0;
    let loads = 0;
    const cache = new TtlCache<{ v: number }>(10, 1_000, () => now);
    const load = async () => ({ v: ++loads });
    expect(await cache.get("a", load)).toEqual({ v: 1 });
    now = 999;
    expect(await cache.get("a", load)).toEqual({ v: 1 });
    now = 1_000;
    expect(await cache.get("a", load)).toEqual({ v: 2 });
  });

  test("clear drops entries, and a load that began before the clear is not kept", async () => {
    const cache = new TtlCache<string>(10, 1_000, () => 0);
    let finish: (v: string) => void = () => {};
    const slow = cache.get("k", () => new Promise<string>((resolve) => (finish = resolve)));
    cache.clear(); // a write committed while the read was under way
    finish("stale");
    expect(await slow).toBe("stale");
    expect(await cache.get("k", async () => "fresh")).toBe("fresh");
  });

  test("concurrent misses of one key share one load", async () => {
    const cache = new TtlCache<string>(10, 1_000, () => 0);
    let loads = 0;
    const load = async () => {
      loads++;
      await Bun.sleep(5);
      return "v";
    };
    expect(await Promise.all([cache.get("k", load), cache.get("k", load), cache.get("k", load)])).toEqual([
      "v",
      "v",
      "v",
    ]);
    expect(loads).toBe(1);
  });

  test("misses are not kept, values are frozen, and capacity starts it over", async () => {
    const cache = new TtlCache<{ n: number }>(2, 1_000, () => 0);
    let loads = 0;
    const missing = async () => {
      loads++;
      return undefined;
    };
    expect(await cache.get("x", missing)).toBeUndefined();
    expect(await cache.get("x", missing)).toBeUndefined();
    expect(loads).toBe(2);
    const value = await cache.get("a", async () => ({ n: 1 }));
    expect(Object.isFrozen(value)).toBe(true);
    await cache.get("b", async () => ({ n: 2 }));
    await cache.get("c", async () => ({ n: 3 }));
    expect(await cache.get("a", async () => ({ n: 9 }))).toEqual({ n: 9 });
  });
});
