import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { decideRetry, parseHttpDate, parseRetryAfter } from "./retry-policy";

/** The default INBOX_RETRY_SCHEDULE (0,30s,2m,8m,32m,2h), ms: attempt 1 at once, then 30 s … 2 h later. */
const RETRY_SCHEDULE_MS_DEFAULT = [0, 30_000, 120_000, 480_000, 1_920_000, 7_200_000];

const T0 = Date.UTC(2025, 0, 15, 10, 25, 3);
const HOUR = 3_600_000;

describe("decideRetry", () => {
  test("follows the docs' table: total time 0s, 30s, 2m30s, 10m30s, 42m30s, 2h42m30s, then fail", () => {
    // Each attempt fails instantly; the next is scheduled from the moment the previous failed.
    const startTimes: number[] = [T0];
    let now = T0;
    let attempts = 1;
    for (;;) {
      const d = decideRetry({
        attemptsMade: attempts,
        schedule: RETRY_SCHEDULE_MS_DEFAULT,
        now,
        retryAfterMsMax: HOUR,
      });
      if (d.outcome === "fail") break;
      now = d.at;
      startTimes.push(now);
      attempts++;
    }
    expect(attempts).toBe(6);
    expect(startTimes.map((t) => (t - T0) / 1000)).toEqual([0, 30, 150, 630, 2550, 9750]);
  });

  test("attemptsMade 0 answers when the first attempt is due", () => {
    expect(decideRetry({ attemptsMade: 0, schedule: [0, 1000], now: T0, retryAfterMsMax: 0 })).toEqual({
      outcome: "retry",
      at: T0,
    });
    expect(decideRetry({ attemptsMade: 0, schedule: [500], now: T0, retryAfterMsMax: 0 })).toEqual({
      outcome: "retry",
      at: T0 + 500,
    });
  });

  test.each([
    [1, { outcome: "retry", at: T0 + 30_000 }],
    [2, { outcome: "retry", at: T0 + 120_000 }],
    [5, { outcome: "retry", at: T0 + 7_200_000 }],
    [6, { outcome: "fail" }],
    [7, { outcome: "fail" }],
    [1000, { outcome: "fail" }],
  ])("after %p failed attempts", (attemptsMade, expected) => {
    expect(
      decideRetry({ attemptsMade, schedule: RETRY_SCHEDULE_MS_DEFAULT, now: T0, retryAfterMsMax: HOUR }),
    ).toEqual(expected as never);
  });

  test("a one-entry schedule fails after the first attempt; an empty one at once", () => {
    expect(decideRetry({ attemptsMade: 1, schedule: [0], now: T0, retryAfterMsMax: HOUR })).toEqual({
      outcome: "fail",
    });
    expect(decideRetry({ attemptsMade: 0, schedule: [], now: T0, retryAfterMsMax: HOUR })).toEqual({
      outcome: "fail",
    });
  });

  test.each([
    // [retryAfterMs, cap, expected delay] with a scheduled delay of 30 s
    [null, HOUR, 30_000],
    [undefined, HOUR, 30_000],
    [0, HOUR, 30_000],
    [-5_000, HOUR, 30_000],
    [Number.NaN, HOUR, 30_000],
    [10_000, HOUR, 30_000], // shorter than the schedule: never earlier
    [90_000, HOUR, 90_000], // longer: honoured
    [5 * HOUR, HOUR, HOUR], // capped
    [Number.POSITIVE_INFINITY, HOUR, 30_000], // not a real value: ignored
    [90_000, 0, 30_000], // cap 0 disables Retry-After
    [90_000, 60_000, 60_000],
  ])("Retry-After %p with cap %p -> delay %p", (retryAfterMs, cap, delay) => {
    expect(
      decideRetry({
        attemptsMade: 1,
        schedule: RETRY_SCHEDULE_MS_DEFAULT,
        now: T0,
        retryAfterMs,
        retryAfterMsMax: cap,
      }),
    ).toEqual({ outcome: "retry", at: T0 + delay });
  });

  test("Retry-After never revives a delivery that used its attempts", () => {
    expect(
      decideRetry({
        attemptsMade: 6,
        schedule: RETRY_SCHEDULE_MS_DEFAULT,
        now: T0,
        retryAfterMs: 1000,
        retryAfterMsMax: HOUR,
      }),
    ).toEqual({ outcome: "fail" });
  });

  test("rejects arguments no caller should pass", () => {
    for (const attemptsMade of [-1, 1.5, Number.NaN]) {
      expect(() => decideRetry({ attemptsMade, schedule: [0], now: T0, retryAfterMsMax: 0 })).toThrow(
        RangeError,
      );
    }
    expect(() =>
      decideRetry({ attemptsMade: 1, schedule: [0, 1], now: Number.NaN, retryAfterMsMax: 0 }),
    ).toThrow(RangeError);
  });

  test("property: never earlier than the schedule, never later than schedule or cap, fails exactly at the end", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10 * HOUR }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 0, max: 25 }),
        fc.option(fc.integer({ min: -HOUR, max: 100 * HOUR })),
        fc.integer({ min: 0, max: 10 * HOUR }),
        (schedule, attemptsMade, retryAfterMs, cap) => {
          const d = decideRetry({ attemptsMade, schedule, now: T0, retryAfterMs, retryAfterMsMax: cap });
          if (attemptsMade >= schedule.length) {
            expect(d.outcome).toBe("fail");
            return;
          }
          expect(d.outcome).toBe("retry");
          if (d.outcome !== "retry") return;
          const scheduled = schedule[attemptsMade] as number;
          expect(d.at - T0).toBeGreaterThanOrEqual(scheduled);
          expect(d.at - T0).toBe(Math.max(scheduled, Math.min(Math.max(0, retryAfterMs ?? 0), cap)));
        },
      ),
    );
  });
});

describe("parseRetryAfter", () => {
  test.each([
    ["0", 0],
    ["120", 120_000],
    [" 5 ", 5_000],
    ["007", 7_000],
    ["99999999999999999999999", Number.MAX_SAFE_INTEGER],
  ])("delta-seconds %p -> %p ms", (header, ms) => {
    expect(parseRetryAfter(header, T0)).toBe(ms);
  });

  test("HTTP-dates in all three RFC 9110 forms", () => {
    // T0 is Wed, 15 Jan 2025 10:25:03 GMT
    expect(parseRetryAfter("Wed, 15 Jan 2025 10:27:03 GMT", T0)).toBe(120_000);
    expect(parseRetryAfter("Wednesday, 15-Jan-25 10:27:03 GMT", T0)).toBe(120_000);
    expect(parseRetryAfter("Wed Jan 15 10:27:03 2025", T0)).toBe(120_000);
    expect(parseRetryAfter("Sat Feb  1 00:00:00 2025", T0)).toBe(Date.UTC(2025, 1, 1) - T0);
    expect(parseRetryAfter("Thu, 16 Jan 2025 10:25:03 GMT", T0)).toBe(24 * HOUR);
  });

  test("a date in the past means now", () => {
    expect(parseRetryAfter("Tue, 14 Jan 2025 10:25:03 GMT", T0)).toBe(0);
    expect(parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", T0)).toBe(0);
  });

  test.each([
    [null],
    [undefined],
    [""],
    ["   "],
    ["-1"],
    ["-120"],
    ["1.5"],
    ["1e3"],
    ["0x10"],
    ["soon"],
    ["120 seconds"],
    ["Wed, 15 Jan 2025 10:27:03"], // no zone
    ["Wed, 15 Jan 2025 10:27:03 PST"],
    ["Wed, 32 Jan 2025 10:27:03 GMT"],
    ["Wed, 30 Feb 2025 10:27:03 GMT"], // rolls over: not a date
    ["Wed, 15 Foo 2025 10:27:03 GMT"],
    ["Xyz, 15 Jan 2025 10:27:03 GMT"],
    ["Wed, 15 Jan 2025 24:00:00 GMT"],
    ["2025-01-15T10:27:03Z"], // ISO is not an HTTP-date
  ])("garbage %p -> null", (header) => {
    expect(parseRetryAfter(header, T0)).toBeNull();
  });

  test("two-digit RFC 850 years more than 50 years ahead are in the past", () => {
    expect(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT", T0)).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
    expect(parseHttpDate("Monday, 06-Nov-34 08:49:37 GMT", T0)).toBe(Date.UTC(2034, 10, 6, 8, 49, 37));
  });
});
