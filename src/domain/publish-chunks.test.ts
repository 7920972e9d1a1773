import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { chunkRanges } from "./publish-chunks";

describe("chunkRanges", () => {
  test("cuts in order at the bound, whole items only", () => {
    expect(chunkRanges([], 10)).toEqual([]);
    expect(chunkRanges([3], 10)).toEqual([[0, 1]]);
    expect(chunkRanges([5, 5, 5], 10)).toEqual([
      [0, 2],
      [2, 3],
    ]);
    expect(chunkRanges([4, 4, 4, 4], 10)).toEqual([
      [0, 2],
      [2, 4],
    ]);
    // An item over the bound goes alone, wherever it stands.
    expect(chunkRanges([1, 25, 1, 1], 10)).toEqual([
      [0, 1],
      [1, 2],
      [2, 4],
    ]);
    expect(chunkRanges([25], 10)).toEqual([[0, 1]]);
  });

  test("covers every item once, in order; a range is over the bound only when it is one item", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 200 }),
        fc.integer({ min: 1, max: 60 }),
        (weights, max) => {
          const ranges = chunkRanges(weights, max);
          let next = 0;
          for (const [start, end] of ranges) {
            expect(start).toBe(next);
            expect(end).toBeGreaterThan(start);
            const sum = weights.slice(start, end).reduce((a, b) => a + b, 0);
            if (end - start > 1) expect(sum).toBeLessThanOrEqual(max);
            // Greedy: the next item would not have fitted.
            if (end < weights.length) expect(sum + (weights[end] ?? 0)).toBeGreaterThan(max);
            next = end;
          }
          expect(next).toBe(weights.length);
        },
      ),
    );
  });
});
