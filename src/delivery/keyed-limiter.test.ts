import { describe, expect, test } from "bun:test";
import { KeyedLimiter } from "./keyed-limiter";

/** Tasks that finish only when the test says so. */
function harness(opts: { global: number; perKey: number; queuePerKey: number }) {
  const started: string[] = [];
  const finishers = new Map<string, () => void>();
  let freed = 0;
  const limiter = new KeyedLimiter<string>({
    ...opts,
    run: (key, item) =>
      new Promise<void>((resolve) => {
        started.push(`${key}:${item}`);
        finishers.set(item, resolve);
      }),
    onSlotFree: () => freed++,
  });
  const finish = async (item: string) => {
    finishers.get(item)?.();
    await Bun.sleep(0);
  };
  return { limiter, started, finish, freed: () => freed };
}

describe("KeyedLimiter", () => {
  test("caps one key without blocking another", () => {
    const { limiter, started } = harness({ global: 4, perKey: 1, queuePerKey: 10 });
    expect(limiter.offer("slow", "s1")).toBe("started");
    expect(limiter.offer("slow", "s2")).toBe("queued");
    expect(limiter.offer("slow", "s3")).toBe("queued");
    expect(limiter.offer("fast", "f1")).toBe("started");
    expect(started).toEqual(["slow:s1", "fast:f1"]);
    expect(limiter.active).toBe(2);
    expect(limiter.waiting).toBe(2);
  });

  test("the global cap holds across keys, and freed slots go round-robin", async () => {
    const { limiter, started, finish, freed } = harness({ global: 2, perKey: 2, queuePerKey: 10 });
    limiter.offer("a", "a1");
    limiter.offer("a", "a2");
    for (const item of ["a3", "a4", "a5"]) expect(limiter.offer("a", item)).toBe("queued");
    for (const item of ["b1", "b2"]) expect(limiter.offer("b", item)).toBe("queued");
    expect(limiter.hasGlobalRoom()).toBe(false);
    await finish("a1");
    await finish("a2");
    // b waited longest, then a and b alternate.
    expect(started).toEqual(["a:a1", "a:a2", "b:b1", "a:a3"]);
    await finish("a3");
    expect(started.at(-1)).toBe("b:b2");
    await finish("b1");
    expect(started.at(-1)).toBe("a:a4");
    expect(freed()).toBe(4);
  });

  test("refuses beyond a key's queue bound and keeps counts exact", async () => {
    const { limiter, finish } = harness({ global: 10, perKey: 1, queuePerKey: 2 });
    expect(limiter.offer("k", "1")).toBe("started");
    expect(limiter.offer("k", "2")).toBe("queued");
    expect(limiter.offer("k", "3")).toBe("queued");
    expect(limiter.offer("k", "4")).toBe("refused");
    expect(limiter.waiting).toBe(2);
    await finish("1");
    expect(limiter.active).toBe(1);
    expect(limiter.waiting).toBe(1);
    expect(limiter.offer("k", "5")).toBe("queued");
  });

  test("pause stops starting, drain hands back what was queued", async () => {
    const { limiter, started, finish } = harness({ global: 1, perKey: 1, queuePerKey: 10 });
    limiter.offer("a", "1");
    limiter.offer("b", "2");
    limiter.offer("a", "3");
    limiter.pause();
    await finish("1");
    expect(started).toEqual(["a:1"]);
    expect(limiter.drain().sort()).toEqual(["2", "3"]);
    expect(limiter.waiting).toBe(0);
    expect(limiter.active).toBe(0);
  });

  test("a task that throws synchronously still frees its slot", async () => {
    const limiter = new KeyedLimiter<string>({
      global: 1,
      perKey: 1,
      queuePerKey: 10,
      run: () => {
        throw new Error("boom");
      },
    });
    limiter.offer("a", "1");
    await Bun.sleep(0);
    expect(limiter.active).toBe(0);
    expect(limiter.offer("a", "2")).toBe("started");
  });
});
