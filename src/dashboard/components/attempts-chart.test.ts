import { describe, expect, test } from "bun:test";
import { attemptsChart, axisMax, BARS_MAX, barsOf, chartSummary } from "./attempts-chart";

const H = 3_600_000;
const since = Date.UTC(2026, 11, 2, 17); // 2026-12-02 17:00 UTC
const until = since + 24 * H + 30 * 60_000; // 2026-12-03 17:30 UTC
const stats = { since, until, succeeded: 12, failed: 3 };
const hours = [
  { start: since, succeeded: 2, failed: 0 },
  { start: since + 16 * H, succeeded: 10, failed: 1 },
  { start: since + 24 * H, succeeded: 0, failed: 2 },
];

describe("attemptsChart", () => {
  test("one bar per hour of a 24 h window, the current hour included, each summing its bucket", () => {
    const bars = barsOf(stats, hours);
    expect(bars).toHaveLength(25);
    expect(bars[16]).toEqual({ start: since + 16 * H, end: since + 17 * H, succeeded: 10, failed: 1 });
    expect(bars[24]?.failed).toBe(2);
    expect(bars.reduce((n, b) => n + b.succeeded + b.failed, 0)).toBe(15);
  });

  test("a long window groups hours so that there are at most BARS_MAX bars, losing no attempt", () => {
    const long = { since: since - 29 * 24 * H, until, succeeded: 0, failed: 0 };
    const all = Array.from({ length: 30 * 24 + 1 }, (_, i) => ({
      start: long.since + i * H,
      succeeded: 1,
      failed: 1,
    }));
    const bars = barsOf(long, all);
    expect(bars.length).toBeLessThanOrEqual(BARS_MAX);
    expect(bars.reduce((n, b) => n + b.succeeded, 0)).toBe(all.length);
  });

  test("buckets outside the window are ignored", () => {
    const bars = barsOf(stats, [{ start: since - H, succeeded: 5, failed: 5 }]);
    expect(bars.every((b) => b.succeeded === 0 && b.failed === 0)).toBe(true);
  });

  test("axis maximum is a round number at or above the tallest bar", () => {
    expect([0, 1, 3, 11, 20, 21, 499, 501].map(axisMax)).toEqual([1, 1, 5, 20, 20, 50, 500, 1000]);
  });

  test("the summary states the window, the totals and the busiest hour", () => {
    expect(chartSummary(stats, barsOf(stats, hours))).toBe(
      "Attempts from 2026-12-02 17:00:00 UTC to 2026-12-03 17:30:00 UTC: 12 succeeded, 3 failed; busiest: 11 attempts from 09:00 UTC.",
    );
    expect(chartSummary(stats, barsOf(stats, []))).toContain("; no attempts.");
  });

  test("renders an accessible SVG with bars whose heights follow the figures, and a table", () => {
    const out = attemptsChart(stats, hours).text;
    expect(out).toContain('role="img"');
    expect(out).toContain("<title>Attempts from 2026-12-02 17:00:00 UTC");
    expect(out).toContain('aria-label="Attempts from');
    // max 11 -> axis 20; plot height 146: 10 succeeded = 73, 1 failed = 7.3
    expect(out).toContain('height="73" fill="#2e7d32"');
    expect(out).toContain('height="7.3" fill="#c62828"');
    expect(out).toContain("<title>09:00–10:00 UTC: 10 succeeded, 1 failed</title>");
    expect(out.match(/<tr><td>/g)).toHaveLength(3);
    expect(out).toContain(">18:00</text>");
  });

  test("no style attribute, no script, no event handler", () => {
    const out = attemptsChart(stats, hours).text;
    expect(out).not.toMatch(/\sstyle=|<script|\son[a-z]+=/i);
  });

  test("without attempts it says so in words", () => {
    const out = attemptsChart({ ...stats, succeeded: 0, failed: 0 }, []).text;
    expect(out).toContain("No attempts in this window.");
    expect(out).not.toContain("<rect x=");
  });
});
