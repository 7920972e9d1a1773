import { describe, expect, test } from "bun:test";
import { SignInLimiter, SlidingWindow } from "./sign-in-limiter";

const LIMITS = {
  perAddressMax: 3,
  perAddressWindowMs: 60_000,
  overallMax: 5,
  overallWindowMs: 10_000,
  addressesMax: 4,
};

describe("SlidingWindow", () => {
  test("allows max events in any window and says how long until the next", () => {
    const w = new SlidingWindow(2, 1_000);
    w.record(0);
    w.record(400);
    expect(w.waitMs(500)).toBe(500);
    expect(w.waitMs(999)).toBe(1);
    expect(w.waitMs(1_000)).toBe(0);
    w.record(1_000);
    expect(w.waitMs(1_100)).toBe(300);
  });
});

describe("SignInLimiter", () => {
  test("refuses an address over its limit, with the seconds to wait, without counting the refusal", () => {
    const limiter = new SignInLimiter(LIMITS);
    for (const t of [0, 1, 2]) expect(limiter.attempt("a", t)).toBe(0);
    expect(limiter.attempt("a", 1_000)).toBe(59);
    expect(limiter.attempt("a", 59_999)).toBe(1);
    expect(limiter.attempt("a", 60_000)).toBe(0);
    expect(limiter.attempt("b", 60_000)).toBe(0);
  });

  test("refuses everyone once the overall limit is reached", () => {
    const limiter = new SignInLimiter(LIMITS);
    for (const [i, address] of ["a", "b", "c", "d", "e"].entries())
      expect(limiter.attempt(address, i)).toBe(0);
    expect(limiter.attempt("f", 5)).toBe(10);
    expect(limiter.attempt("f", 10_001)).toBe(0);
  });

  test("tracks a bounded number of addresses", () => {
    const limiter = new SignInLimiter({ ...LIMITS, overallMax: 1_000 });
    for (let i = 0; i < 100; i++) limiter.attempt(`10.0.0.${i}`, i);
    expect((limiter as unknown as { byAddress: Map<string, unknown> }).byAddress.size).toBeLessThanOrEqual(4);
  });
});
