import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { FiredItem } from "./timer";
import { TimerWheel, type TimerWheelOptions } from "./timer-wheel";

const T0 = 1_736_936_703_000; // 2025-01-15T10:25:03Z
const DAY = 86_400_000;

function keys<T>(fired: FiredItem<T>[]): string[] {
  return fired.map((f) => f.key);
}

describe("TimerWheel basics", () => {
  test("fires each item once, never early, in due order", () => {
    const wheel = new TimerWheel<string>({ now: T0 });
    wheel.schedule("c", T0 + 300, "C");
    wheel.schedule("a", T0 + 5, "A");
    wheel.schedule("b", T0 + 15, "B");
    expect(wheel.size).toBe(3);
    expect(wheel.advance(T0 + 4)).toEqual([]);
    expect(wheel.advance(T0 + 5)).toEqual([{ key: "a", due: T0 + 5, value: "A" }]);
    expect(wheel.advance(T0 + 14)).toEqual([]);
    expect(keys(wheel.advance(T0 + 1_000))).toEqual(["b", "c"]);
    expect(wheel.size).toBe(0);
    expect(wheel.advance(T0 + 100_000)).toEqual([]);
  });

  test("fires within the tick it falls due, not at the tick's end", () => {
    const wheel = new TimerWheel<number>({ now: 0, tickMs: 100 });
    wheel.schedule("x", 150, 1);
    wheel.schedule("y", 170, 2);
    expect(wheel.advance(149)).toEqual([]);
    expect(keys(wheel.advance(160))).toEqual(["x"]);
    expect(keys(wheel.advance(170))).toEqual(["y"]);
  });

  test("ties fire in schedule order", () => {
    const wheel = new TimerWheel<number>({ now: T0 });
    for (const k of ["z", "y", "x", "w"]) wheel.schedule(k, T0 + 50_000, 0);
    wheel.schedule("early", T0 + 49_999, 0);
    expect(keys(wheel.advance(T0 + DAY))).toEqual(["early", "z", "y", "x", "w"]);
  });

  test("schedule replaces an existing key, and re-scheduling moves it to the back of ties", () => {
    const wheel = new TimerWheel<string>({ now: T0 });
    wheel.schedule("a", T0 + 1_000, "first");
    wheel.schedule("b", T0 + 2_000, "b");
    wheel.schedule("a", T0 + 2_000, "second");
    expect(wheel.size).toBe(2);
    expect(wheel.advance(T0 + 1_500)).toEqual([]);
    expect(wheel.advance(T0 + 2_000)).toEqual([
      { key: "b", due: T0 + 2_000, value: "b" },
      { key: "a", due: T0 + 2_000, value: "second" },
    ]);
    // Moving an item earlier works too.
    wheel.schedule("c", T0 + 10 * DAY, "late");
    wheel.schedule("c", T0 + 3_000, "soon");
    expect(wheel.advance(T0 + 3_000)).toEqual([{ key: "c", due: T0 + 3_000, value: "soon" }]);
  });

  test("cancel forgets an item at any level and answers whether it was held", () => {
    const wheel = new TimerWheel<number>({ now: T0 });
    const dues = [T0, T0 + 20, T0 + 5_000, T0 + 2 * 3_600_000, T0 + 3 * DAY, T0 + 1_000 * DAY];
    dues.forEach((due, i) => {
      wheel.schedule(`k${i}`, due, i);
    });
    expect(wheel.cancel("k2")).toBe(true);
    expect(wheel.cancel("k2")).toBe(false);
    expect(wheel.cancel("nope")).toBe(false);
    expect(wheel.cancel("k5")).toBe(true);
    expect(wheel.has("k2")).toBe(false);
    expect(wheel.has("k3")).toBe(true);
    expect(wheel.size).toBe(4);
    expect(keys(wheel.advance(T0 + 2_000 * DAY))).toEqual(["k0", "k1", "k3", "k4"]);
  });

  test("a due time in the past fires at the next advance, even one to an earlier time", () => {
    const wheel = new TimerWheel<number>({ now: T0 });
    wheel.advance(T0 + 10_000);
    wheel.schedule("past", T0 - 5_000, 1);
    wheel.schedule("just-now", T0 + 10_000, 2);
    expect(wheel.nextDue()).toBe(T0 - 5_000);
    expect(keys(wheel.advance(T0 + 10_000))).toEqual(["past", "just-now"]);
    wheel.schedule("past2", T0, 3);
    expect(keys(wheel.advance(T0))).toEqual(["past2"]); // the clock does not run backwards
  });

  test("crosses ten idle days in one step (1 ms ticks: iterating per tick would time out)", () => {
    const wheel = new TimerWheel<number>({ now: T0, tickMs: 1 });
    wheel.schedule("a", T0 + 10 * DAY, 1);
    wheel.schedule("b", T0 + 10 * DAY - 1, 2);
    wheel.schedule("c", T0 + 20 * DAY, 3);
    expect(keys(wheel.advance(T0 + 10 * DAY))).toEqual(["b", "a"]);
    expect(keys(wheel.advance(T0 + 365 * DAY))).toEqual(["c"]);
    // And an empty wheel jumps freely.
    expect(wheel.advance(T0 + 3_650 * DAY)).toEqual([]);
  });

  test("holds items beyond its span in overflow and fires them on time", () => {
    // Span: 5 ms x 4^2 = 80 ms.
    const wheel = new TimerWheel<number>({ now: 0, tickMs: 5, slotsPerLevel: 4, levels: 2 });
    const dues = [1_000_000, 79, 80, 81, 500, 10_007, 1_000_003];
    dues.forEach((due, i) => {
      wheel.schedule(`k${i}`, due, i);
    });
    const seen: FiredItem<number>[] = [];
    for (let t = 0; t <= 1_000_010; t += 997) {
      for (const f of wheel.advance(t)) {
        expect(f.due).toBeLessThanOrEqual(t);
        expect(f.due).toBeGreaterThan(t - 997);
        seen.push(f);
      }
    }
    for (const f of wheel.advance(1_000_010)) seen.push(f);
    expect(seen.map((f) => f.due)).toEqual([...dues].sort((a, b) => a - b));
  });

  test("works at Date.now() scale with the default geometry across every level", () => {
    const wheel = new TimerWheel<number>({ now: T0 });
    const offsets = [
      0, 9, 10, 2_559, 2_560, 2_561, 655_359, 655_360, 167_772_159, 167_772_160, 42_949_672_959,
      42_949_672_960, 100_000_000_000,
    ];
    offsets.forEach((o, i) => {
      wheel.schedule(`k${i}`, T0 + o, i);
    });
    let t = T0;
    for (const o of offsets) {
      const fired = wheel.advance(T0 + o);
      expect(fired.length).toBeGreaterThanOrEqual(1);
      for (const f of fired) expect(f.due).toBeGreaterThan(t - 1);
      t = T0 + o;
    }
    expect(wheel.size).toBe(0);
  });

  test("nextDue: undefined when empty, exact at the lowest level, a lower bound above", () => {
    const wheel = new TimerWheel<number>({ now: 0, tickMs: 10 });
    expect(wheel.nextDue()).toBeUndefined();
    wheel.schedule("soon", 1_234, 1); // level 0 (within 2.56 s)
    expect(wheel.nextDue()).toBe(1_234);
    wheel.schedule("now-ish", 3, 1); // current tick
    expect(wheel.nextDue()).toBe(3);
    wheel.cancel("now-ish");
    wheel.cancel("soon");
    wheel.schedule("later", 100_007, 1); // level 1
    const bound = wheel.nextDue()!;
    expect(bound).toBeLessThanOrEqual(100_007);
    expect(bound).toBeGreaterThan(100_007 - 2_560);
    // Waking at each bound reaches the item within `levels` wake-ups and never fires it early.
    let wakeups = 0;
    let fired: FiredItem<number>[] = [];
    while (fired.length === 0) {
      const at = wheel.nextDue()!;
      fired = wheel.advance(at);
      wakeups++;
    }
    expect(keys(fired)).toEqual(["later"]);
    expect(wakeups).toBeLessThanOrEqual(4);
  });

  test("nextDue is exact for items held in overflow", () => {
    const wheel = new TimerWheel<number>({ now: 0, tickMs: 1, slotsPerLevel: 2, levels: 1 });
    wheel.schedule("far", 1_000_000, 1);
    wheel.schedule("farther", 2_000_000, 1);
    expect(wheel.nextDue()).toBe(1_000_000);
    wheel.cancel("far");
    expect(wheel.nextDue()).toBe(2_000_000);
  });

  test("rejects nonsense geometry and times", () => {
    expect(() => new TimerWheel({ now: Number.NaN })).toThrow(RangeError);
    expect(() => new TimerWheel({ now: 0, tickMs: 0 })).toThrow(RangeError);
    expect(() => new TimerWheel({ now: 0, tickMs: 1.5 })).toThrow(RangeError);
    expect(() => new TimerWheel({ now: 0, slotsPerLevel: 1 })).toThrow(RangeError);
    expect(() => new TimerWheel({ now: 0, levels: 0 })).toThrow(RangeError);
    const wheel = new TimerWheel({ now: 0 });
    expect(() => wheel.schedule("x", Number.POSITIVE_INFINITY, 1)).toThrow(RangeError);
    expect(() => wheel.advance(Number.NaN)).toThrow(RangeError);
    expect(wheel.size).toBe(0);
  });
});

// ---- Randomized comparison with a naive model ----

type Op =
  | { op: "schedule"; key: string; offset: number }
  | { op: "cancel"; key: string }
  | { op: "advance"; by: number };

class NaiveModel {
  private items = new Map<string, { due: number; seq: number; value: number }>();
  private seq = 0;
  now: number;
  constructor(now: number) {
    this.now = now;
  }
  schedule(key: string, due: number, value: number) {
    this.items.set(key, { due, seq: this.seq++, value });
  }
  cancel(key: string) {
    return this.items.delete(key);
  }
  advance(now: number): FiredItem<number>[] {
    this.now = Math.max(this.now, now);
    const fired = [...this.items.entries()]
      .filter(([, v]) => v.due <= this.now)
      .sort(([, a], [, b]) => a.due - b.due || a.seq - b.seq);
    for (const [k] of fired) this.items.delete(k);
    return fired.map(([key, v]) => ({ key, due: v.due, value: v.value }));
  }
  min(): number | undefined {
    let min: number | undefined;
    for (const v of this.items.values()) if (min === undefined || v.due < min) min = v.due;
    return min;
  }
  get size() {
    return this.items.size;
  }
}

const geometry = fc.record({
  tickMs: fc.integer({ min: 1, max: 50 }),
  slotsPerLevel: fc.integer({ min: 2, max: 9 }),
  levels: fc.integer({ min: 1, max: 4 }),
});

const offset = fc.oneof(
  fc.integer({ min: -100, max: 100 }),
  fc.integer({ min: -10_000, max: 100_000 }),
  fc.integer({ min: 0, max: 100_000_000 }),
);

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant("schedule" as const),
      key: fc.constantFrom("a", "b", "c", "d", "e", "f", "g", "h"),
      offset,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("cancel" as const),
      key: fc.constantFrom("a", "b", "c", "d", "e", "f", "g", "h"),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("advance" as const),
      by: fc.oneof(
        fc.integer({ min: -50, max: 50 }),
        fc.integer({ min: 0, max: 5_000 }),
        fc.integer({ min: 0, max: 200_000_000 }),
      ),
    }),
  },
);

/** With `exact`, nextDue must be the earliest due time itself (true when `levels` is 1). */
function runAgainstModel(opts: TimerWheelOptions, ops: Op[], exact = false) {
  const wheel = new TimerWheel<number>(opts);
  const model = new NaiveModel(opts.now);
  let clock = opts.now;
  let value = 0;
  const check = () => {
    expect(wheel.size).toBe(model.size);
    const min = model.min();
    const next = wheel.nextDue();
    if (min === undefined) expect(next).toBeUndefined();
    else if (exact) expect(next).toBe(min);
    else {
      expect(next).toBeDefined();
      expect(next!).toBeLessThanOrEqual(min);
      // Never a useless wake-up in the past while nothing is overdue.
      if (min > model.now) expect(next!).toBeGreaterThan(model.now);
    }
  };
  for (const o of ops) {
    if (o.op === "schedule") {
      value++;
      wheel.schedule(o.key, clock + o.offset, value);
      model.schedule(o.key, clock + o.offset, value);
    } else if (o.op === "cancel") {
      expect(wheel.cancel(o.key)).toBe(model.cancel(o.key));
      expect(wheel.has(o.key)).toBe(false);
    } else {
      clock += o.by;
      expect(wheel.advance(clock)).toEqual(model.advance(clock));
    }
    check();
  }
  // Drain by following nextDue: everything fires, on time, exactly as the model says.
  let guard = 0;
  while (model.size > 0) {
    const at = Math.max(wheel.nextDue()!, model.now);
    expect(wheel.advance(at)).toEqual(model.advance(at));
    check();
    expect(++guard).toBeLessThan(10_000);
  }
}

describe("TimerWheel against a naive sorted-list model", () => {
  test("small geometries (cascades and overflow everywhere)", () => {
    fc.assert(
      fc.property(
        geometry,
        fc.integer({ min: -1_000_000, max: 2_000_000_000_000 }),
        fc.array(op, { maxLength: 120 }),
        (g, now, ops) => {
          runAgainstModel({ now, ...g }, ops);
        },
      ),
      { numRuns: 600 },
    );
  });

  test("the default geometry at Date.now() scale", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: T0, max: T0 + 365 * DAY }),
        fc.array(op, { maxLength: 150 }),
        (now, ops) => {
          runAgainstModel({ now }, ops);
        },
      ),
      { numRuns: 200 },
    );
  });

  // Many items share a slot: the earliest due time must stay right through schedules, cancels
  // and re-schedules of the earliest item, and advances that take part of the current tick.
  const crowdedOp: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        op: fc.constant("schedule" as const),
        key: fc.integer({ min: 0, max: 149 }).map((k) => `k${k}`),
        offset: fc.oneof(
          { weight: 8, arbitrary: fc.integer({ min: -30, max: 60 }) },
          { weight: 1, arbitrary: fc.integer({ min: -1_000, max: 100_000 }) },
        ),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant("cancel" as const),
        key: fc.integer({ min: 0, max: 149 }).map((k) => `k${k}`),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant("advance" as const),
        by: fc.oneof(
          { weight: 6, arbitrary: fc.integer({ min: -5, max: 15 }) },
          { weight: 1, arbitrary: fc.integer({ min: 0, max: 50_000 }) },
        ),
      }),
    },
  );

  test("crowded slots, one level: nextDue is always exactly the earliest due time", () => {
    fc.assert(
      fc.property(
        fc.record({
          tickMs: fc.integer({ min: 1, max: 100 }),
          slotsPerLevel: fc.integer({ min: 2, max: 16 }),
        }),
        fc.integer({ min: -1_000_000, max: 2_000_000_000_000 }),
        fc.array(crowdedOp, { minLength: 50, maxLength: 400, size: "max" }),
        (g, now, ops) => {
          runAgainstModel({ now, levels: 1, ...g }, ops, true);
        },
      ),
      { numRuns: 150 },
    );
  });

  test("crowded slots, any geometry", () => {
    fc.assert(
      fc.property(
        geometry,
        fc.integer({ min: -1_000_000, max: 2_000_000_000_000 }),
        fc.array(crowdedOp, { minLength: 50, maxLength: 400, size: "max" }),
        (g, now, ops) => {
          runAgainstModel({ now, ...g }, ops);
        },
      ),
      { numRuns: 150 },
    );
  });

  test("many items: every one fires exactly once and never early", () => {
    const wheel = new TimerWheel<number>({ now: T0, tickMs: 10 });
    const rng = fc.sample(fc.integer({ min: -60_000, max: 40 * DAY }), { numRuns: 20_000, seed: 42 });
    rng.forEach((o, i) => {
      wheel.schedule(`k${i}`, T0 + o, i);
    });
    const seen = new Set<string>();
    let t = T0;
    let last = Number.NEGATIVE_INFINITY;
    while (wheel.size > 0) {
      t += 3_600_000;
      for (const f of wheel.advance(t)) {
        expect(f.due).toBeLessThanOrEqual(t);
        expect(f.due).toBeGreaterThanOrEqual(last);
        last = f.due;
        expect(seen.has(f.key)).toBe(false);
        seen.add(f.key);
      }
    }
    expect(seen.size).toBe(20_000);
  });
});

describe("TimerWheel with thousands of items in one slot", () => {
  // A burst of arrivals all due at once (batch publishing) lands in one lowest-level slot, and the
  // scheduler asks for nextDue after every schedule and every fire. Finding the earliest item must
  // not cost a scan of the slot each time (O(n^2) overall): the wheel's own count of entries looked
  // at for that must stay within a few heap paths per operation.
  test("nextDue, cancels and partial advances cost O(log n) each, not O(slot size)", () => {
    const n = 20_000;
    const wheel = new TimerWheel<number>({ now: T0, tickMs: 10 });
    const log = Math.ceil(Math.log2(n));
    let ops = 0;
    // Everything due within the next 4 ms: one slot (the current tick's).
    for (let i = 0; i < n; i++) {
      wheel.schedule(`k${i}`, T0 + 1 + (i % 4), i);
      expect(wheel.nextDue()).toBe(T0 + 1);
      ops += 2;
    }
    // Cancel the earliest item again and again (the worst case for a cached minimum).
    for (let i = 0; i < n; i += 4) {
      expect(wheel.nextDue()).toBe(T0 + 1);
      expect(wheel.cancel(`k${i}`)).toBe(true);
      ops += 2;
    }
    expect(wheel.nextDue()).toBe(T0 + 2);
    // Part of the tick passes: only the items due by then fire, in schedule order.
    const fired = wheel.advance(T0 + 2);
    expect(fired.length).toBe(n / 4);
    expect(fired[0]!.key).toBe("k1");
    expect(fired.at(-1)!.key).toBe(`k${n - 3}`);
    ops += fired.length;
    expect(wheel.nextDue()).toBe(T0 + 3);
    // Move the earliest items later one by one, asking for nextDue in between.
    for (let i = 2; i < n; i += 4) {
      wheel.schedule(`k${i}`, T0 + 5, i);
      expect(wheel.nextDue()).toBe(i + 4 < n ? T0 + 3 : T0 + 4);
      ops += 2;
    }
    // More arrivals while the tick runs out, each followed by a fire and a nextDue, as the scheduler does.
    let now = T0 + 2;
    let left = wheel.size;
    for (let i = 0; i < 2_000; i++) {
      if (i % 500 === 0) now++;
      wheel.schedule(`late${i}`, now, i);
      left += 1 - wheel.advance(now).length;
      expect(wheel.size).toBe(left);
      wheel.nextDue();
      ops += 3;
    }
    const rest = wheel.advance(T0 + 1_000);
    expect(rest.length).toBe(left);
    ops += rest.length;
    expect(wheel.size).toBe(0);
    // A scan per nextDue would be ~n^2/4 = 10^8 entries; heap paths are ~log2(n) = 15 each.
    expect(wheel.examined).toBeLessThan(2 * log * ops);
  });
});
