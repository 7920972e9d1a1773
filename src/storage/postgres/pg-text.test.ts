import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { fromDb, toDb } from "./pg-text";

describe("PostgreSQL text escape", () => {
  test("plain strings pass unchanged", () => {
    for (const s of ["", "abc", "ünïcødé 🎉", "\u001e\u001f/../?"]) expect(toDb(s)).toBe(s);
  });

  test("NUL, the escape character and lone surrogates round-trip and leave no NUL or lone surrogate", () => {
    for (const s of ["ab\u0000c", "\u0001", "\u0001a", "x\ud800y", "\udfff", "\ud83d\ude00\u0000"]) {
      const db = toDb(s);
      expect(db.includes("\u0000")).toBe(false);
      expect(db.isWellFormed()).toBe(true);
      expect(fromDb(db)).toBe(s);
    }
  });

  test("property: injective and reversible on any UTF-16 string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (a, b) => {
        expect(fromDb(toDb(a))).toBe(a);
        if (a !== b) expect(toDb(a)).not.toBe(toDb(b));
      }),
    );
  });
});
