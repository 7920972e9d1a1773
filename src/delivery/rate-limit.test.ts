import { describe, expect, test } from "bun:test";
import { burstOf, PARK_MS_MAX, RateLimits } from "./rate-limit";

function limits(laneHoldMs = 10_000) {
  const clock = { t: 1_000_000 };
  const changed: string[] = [];
  const rates = new RateLimits({ now: () => clock.t, laneHoldMs });
  rates.listen((webhook) => changed.push(webhook));
  return { clock, changed, rates };
}

/** Starts as many as the bucket allows now; answers how many started and the wait after them. */
function startAll(rates: RateLimits, webhook: string): { started: number; waitMs: number } {
  let started = 0;
  for (;;) {
    const waitMs = rates.tryStart(webhook, 1);
    if (waitMs !== 0) return { started, waitMs };
    started++;
  }
}

describe("RateLimits", () => {
  test("an unknown webhook starts one attempt at a time until its limit is learnt", () => {
    const { rates, changed } = limits();
    expect(rates.tryStart("w", 0)).toBe(0);
    expect(rates.tryStart("w", 1)).toBe(Number.POSITIVE_INFINITY);
    expect(rates.laneCap("w")).toBeUndefined();
    rates.learn("w", null);
    expect(changed).toEqual(["w"]);
    for (let i = 0; i < 1_000; i++) expect(rates.tryStart("w", 64)).toBe(0);
    expect(rates.laneCap("w")).toBeUndefined();
  });

  test("learning the limit counts the attempt that read it as the first start", () => {
    const { rates, clock } = limits();
    expect(rates.tryStart("w", 0)).toBe(0);
    rates.learn("w", 2);
    // 500 ms, less the 2 ms a timer may be late by (made up, never lost).
    expect(rates.tryStart("w", 1)).toBe(498);
    clock.t += 497;
    expect(rates.tryStart("w", 1)).toBe(1);
    clock.t += 1;
    expect(rates.tryStart("w", 1)).toBe(0);
    // The next is a whole interval after this one.
    expect(rates.tryStart("w", 1)).toBe(500);
  });

  test("1/s: starts exactly one a second, and an idle webhook saves up no more than one", () => {
    const { rates, clock } = limits();
    rates.learn("w", 1);
    const starts: number[] = [];
    while (starts.length < 5) {
      const waitMs = rates.tryStart("w", 1);
      if (waitMs === 0) starts.push(clock.t);
      else clock.t += waitMs;
    }
    expect(starts.map((t) => t - (starts[0] as number))).toEqual([0, 1_000, 2_000, 3_000, 4_000]);
    clock.t += 60_000;
    expect(startAll(rates, "w")).toEqual({ started: 1, waitMs: 998 });
  });

  test("over any time T at most burst + R*(T + 2 ms) start, and no fewer than R*T - 1, whatever the clock's steps", () => {
    for (const rate of [1, 7, 100, 101, 2_500, 10_000]) {
      const { rates, clock } = limits();
      rates.learn(`w${rate}`, rate);
      const from = clock.t;
      let started = 0;
      for (let step = 0; step < 5_000; step++) {
        clock.t += step % 3; // 0, 1 or 2 ms: several asks at one instant, and gaps
        started += startAll(rates, `w${rate}`).started;
      }
      const elapsedMs = clock.t - from;
      expect(started).toBeLessThanOrEqual(burstOf(rate) + Math.floor((rate * (elapsedMs + 2)) / 1_000));
      // ...and the limit is reached: asks up to 2 ms late lose nothing.
      expect(started).toBeGreaterThanOrEqual(Math.floor((rate * elapsedMs) / 1_000) - 1);
    }
  });

  test("burst: 1 up to 20/s, then 2, then 1% of the rate", () => {
    expect([1, 20, 21, 100, 200, 201, 1_000, 10_000].map(burstOf)).toEqual([1, 1, 2, 2, 2, 3, 10, 100]);
  });

  test("a lane holds what the limit lets start in laneHoldMs, at least a burst", () => {
    const { rates } = limits(10_000);
    rates.learn("slow", 1);
    rates.learn("fast", 10_000);
    rates.learn("tiny", 1);
    expect(rates.laneCap("slow")).toBe(10);
    expect(rates.laneCap("fast")).toBe(100_000);
    const short = limits(100).rates;
    short.learn("w", 1);
    expect(short.laneCap("w")).toBe(1);
    // A burst above 1: 10,000/s lets 10 start in 1 ms, but the lane holds its burst of 100.
    const tight = limits(1).rates;
    tight.learn("w", 10_000);
    expect(tight.laneCap("w")).toBe(burstOf(10_000));
  });

  test("a change of the limit applies to the next start and is announced; the same limit is not", () => {
    const { rates, clock, changed } = limits();
    rates.learn("w", 1);
    expect(rates.tryStart("w", 1)).toBe(998);
    rates.learn("w", 1);
    expect(changed).toEqual(["w"]);
    rates.learn("w", 20);
    expect(changed).toEqual(["w", "w"]);
    expect(rates.tryStart("w", 1)).toBe(48);
    clock.t += 48;
    expect(rates.tryStart("w", 1)).toBe(0);
    // Lowered: the bucket starts again, empty: the next start waits a whole new interval.
    clock.t += 10_000;
    rates.learn("w", 1);
    expect(startAll(rates, "w")).toEqual({ started: 0, waitMs: 998 });
    // Removed: no limit at once.
    rates.learn("w", null);
    expect(changed).toEqual(["w", "w", "w", "w"]);
    expect(rates.laneCap("w")).toBeUndefined();
    expect(rates.tryStart("w", 5)).toBe(0);
  });

  test("parks a limited webhook's excess behind its lane, one slot each, at most PARK_MS_MAX", () => {
    const { rates, clock } = limits(10_000);
    expect(rates.parkMs("w")).toBeUndefined();
    rates.learn("w", 1);
    // The lane (10 at 1/s) drains in 10 s: the first parked is due then, the next a second later;
    // each comes back half a lane (5 s) ahead.
    expect([rates.parkMs("w"), rates.parkMs("w"), rates.parkMs("w")]).toEqual([5_000, 6_000, 7_000]);
    // Never sooner than a full lane drains, nor before those parked earlier.
    clock.t += 5_000;
    expect(rates.parkMs("w")).toBe(5_000);
    expect(rates.parkMs("w")).toBe(6_000);
    // Beyond PARK_MS_MAX: parked for that long, taking no slot.
    const parks = Array.from({ length: 400 }, () => rates.parkMs("w") as number);
    expect(Math.max(...parks)).toBe(PARK_MS_MAX);
    expect(parks.filter((ms) => ms === PARK_MS_MAX).length).toBeGreaterThan(100);
    expect(parks.filter((ms) => ms < PARK_MS_MAX).length).toBeLessThan(300);
    // A new limit: slots counted afresh.
    rates.learn("w", 10);
    expect(rates.parkMs("w")).toBe(5_000);
    rates.learn("w", null);
    expect(rates.parkMs("w")).toBeUndefined();
  });

  test("remembers at most 10,000 webhooks, forgetting the oldest", () => {
    const { rates } = limits();
    for (let i = 0; i < 10_500; i++) rates.learn(`w${i}`, i % 2 === 0 ? null : 5);
    expect(rates.size).toBe(10_000);
    // Forgotten: probed again.
    expect(rates.tryStart("w1", 1)).toBe(Number.POSITIVE_INFINITY);
    expect(rates.tryStart("w10499", 1)).toBe(1_000 / 5 - 2);
  });
});
