import { describe, expect, test } from "bun:test";
import { parseRfc3339, toRfc3339, toRfc3339OrNull } from "./rfc3339";

describe("rfc3339", () => {
  test("formats UTC without milliseconds", () => {
    expect(toRfc3339(Date.parse("2025-01-15T10:25:03.987Z"))).toBe("2025-01-15T10:25:03Z");
    expect(toRfc3339(0)).toBe("1970-01-01T00:00:00Z");
    expect(toRfc3339OrNull(null)).toBeNull();
  });

  test("parses strict RFC 3339 with any offset", () => {
    expect(parseRfc3339("2025-01-15T10:25:03Z")).toBe(Date.parse("2025-01-15T10:25:03Z"));
    expect(parseRfc3339("2025-01-15T11:25:03+01:00")).toBe(Date.parse("2025-01-15T10:25:03Z"));
    expect(parseRfc3339("2025-01-15T10:25:03.5Z")).toBe(Date.parse("2025-01-15T10:25:03.500Z"));
    for (const bad of ["2025-01-15", "yesterday", "2025-01-15T10:25Z", "2025-13-45T10:25:03Z", ""]) {
      expect(parseRfc3339(bad)).toBeUndefined();
    }
  });
});
