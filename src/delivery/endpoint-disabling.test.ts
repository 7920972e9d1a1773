import { describe, expect, test } from "bun:test";
import { FailingChecks, isGone } from "./endpoint-disabling";

describe("FailingChecks", () => {
  test("a webhook is checked at most once per interval", () => {
    const checks = new FailingChecks(1_000);
    expect(checks.due("wh_a", 0)).toBe(true);
    expect(checks.due("wh_a", 999)).toBe(false);
    expect(checks.due("wh_b", 999)).toBe(true);
    expect(checks.due("wh_a", 1_000)).toBe(true);
    expect(checks.due("wh_a", 1_500)).toBe(false);
  });

  test("the interval is a minute, or disableAfterMs when shorter", () => {
    const long = FailingChecks.forDisableAfter(5 * 86_400_000);
    expect(long.due("wh_a", 0)).toBe(true);
    expect(long.due("wh_a", 59_999)).toBe(false);
    expect(long.due("wh_a", 60_000)).toBe(true);
    const short = FailingChecks.forDisableAfter(300);
    expect(short.due("wh_a", 0)).toBe(true);
    expect(short.due("wh_a", 300)).toBe(true);
  });

  test("memory is bounded: the oldest check is forgotten first", () => {
    const checks = new FailingChecks(1_000, 2);
    checks.due("wh_a", 0);
    checks.due("wh_b", 1);
    checks.due("wh_c", 2); // forgets wh_a
    expect(checks.size).toBe(2);
    expect(checks.due("wh_b", 3)).toBe(false);
    expect(checks.due("wh_a", 3)).toBe(true); // forgotten: checked again (forgets wh_b)
    expect(checks.due("wh_c", 4)).toBe(false);
    expect(checks.size).toBe(2);
  });
});

describe("isGone", () => {
  test("only a 410 answer", () => {
    const failed = {
      ok: false as const,
      errorClass: "http_status" as const,
      message: "HTTP 410",
      body: null,
      durationMs: 1,
      retryAfterMs: null,
    };
    expect(isGone({ ...failed, status: 410 })).toBe(true);
    expect(isGone({ ...failed, status: 404 })).toBe(false);
    expect(isGone({ ...failed, status: null, errorClass: "timeout" })).toBe(false);
  });
});
