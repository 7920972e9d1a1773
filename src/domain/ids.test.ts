import { describe, expect, test } from "bun:test";
import { idTime, isId } from "../../test/support/ids";
import { newId } from "./ids";

describe("ids", () => {
  test("are prefixed, well-formed and carry their creation time", () => {
    const id = newId("wh", 1736936703000);
    expect(id).toMatch(/^wh_[0-9A-Z]{26}$/);
    expect(isId("wh", id)).toBe(true);
    expect(isId("evt", id)).toBe(false);
    expect(idTime(id)).toBe(1736936703000);
  });

  test("sort by creation time, also within one millisecond", () => {
    const ids = Array.from({ length: 2000 }, (_, i) => newId("evt", 1736936703000 + Math.floor(i / 500)));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("rejects malformed ids", () => {
    for (const bad of [
      "",
      "wh_",
      "wh_123",
      "WH_01JH0000000000000000000000",
      "wh_01JH00000000000000000000IL",
      "wh_01JH0000000000000000000000x",
    ]) {
      expect(isId("wh", bad)).toBe(false);
    }
  });
});
