import { describe, expect, test } from "bun:test";
import { perSecond, quantileSorted, summariseLatencies } from "./stats";

describe("bench stats", () => {
  test("nearest-rank quantiles", () => {
    const values = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantileSorted(values, 0.5)).toBe(50);
    expect(quantileSorted(values, 0.99)).toBe(99);
    expect(quantileSorted(values, 1)).toBe(100);
    expect(quantileSorted(values, 0)).toBe(1);
    expect(quantileSorted(new Float64Array(0), 0.5)).toBeNaN();
  });

  test("summary sorts and reports null with no samples", () => {
    expect(summariseLatencies(Float64Array.of(3, 1, 2))).toEqual({
      count: 3,
      p50_ms: 2,
      p90_ms: 3,
      p99_ms: 3,
      max_ms: 3,
    });
    expect(summariseLatencies(new Float64Array(0)).p99_ms).toBeNull();
  });

  test("rates", () => {
    expect(perSecond(500, 250)).toBe(2000);
    expect(perSecond(5, 0)).toBe(0);
  });
});
