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
    expect(parseRfc3339("2024-02-29T00:00:00Z")).toBe(Date.parse("2024-02-29T00:00:00Z"));
    expect(parseRfc3339("2000-02-29T00:00:00Z")).toBe(Date.parse("2000-02-29T00:00:00Z"));
    expect(parseRfc3339("2025-04-30T23:59:59Z")).toBe(Date.parse("2025-04-30T23:59:59Z"));
    for (const bad of ["2025-01-15", "yesterday", "2025-01-15T10:25Z", "2025-13-45T10:25:03Z", ""]) {
      expect(parseRfc3339(bad)).toBeUndefined();
    }
  });

  test("a day the month does not have is refused, not rolled over into the next month", () => {
    for (const bad of [
      "2025-02-29T00:00:00Z",
      "2026-02-30T00:00:00Z",
      "2026-02-31T10:25:03+01:00",
      "2025-04-31T00:00:00Z",
      "1900-02-29T00:00:00Z",
      "2025-01-00T00:00:00Z",
      "2025-01-32T00:00:00Z",
    ]) {
      expect(parseRfc3339(bad)).toBeUndefined();
    }
  });
});
