import { describe, expect, test } from "bun:test";
import { DomainError } from "./errors";
import {
  activePrevious,
  generateSecret,
  ROTATION_OVERLAP_MS_DEFAULT,
  ROTATION_OVERLAP_MS_MAX,
  rotationOverlapMs,
} from "./webhook-secret";

describe("generateSecret", () => {
  test("is whsec_ + base64 of 32 random bytes, different every time", () => {
    const secrets = new Set(Array.from({ length: 200 }, generateSecret));
    expect(secrets.size).toBe(200);
    for (const s of secrets) {
      expect(s).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(Buffer.from(s.slice(6), "base64")).toHaveLength(32);
    }
  });
});

describe("activePrevious", () => {
  const previous = { secret: "whsec_old", expires_at: 10_000 };
  test("is the previous secret strictly before its expiry, then nothing", () => {
    expect(activePrevious({ previous_secret: previous }, 0)).toBe("whsec_old");
    expect(activePrevious({ previous_secret: previous }, 9_999)).toBe("whsec_old");
    expect(activePrevious({ previous_secret: previous }, 10_000)).toBeUndefined();
    expect(activePrevious({}, 0)).toBeUndefined();
  });
});

describe("rotationOverlapMs", () => {
  test("reads durations as the config does, defaulting to 24 hours", () => {
    expect(rotationOverlapMs(undefined)).toBe(ROTATION_OVERLAP_MS_DEFAULT);
    expect(ROTATION_OVERLAP_MS_DEFAULT).toBe(86_400_000);
    expect(rotationOverlapMs("0s")).toBe(0);
    expect(rotationOverlapMs("0")).toBe(0);
    expect(rotationOverlapMs("90m")).toBe(5_400_000);
    expect(rotationOverlapMs("1h 30m")).toBe(5_400_000);
    expect(rotationOverlapMs("7d")).toBe(ROTATION_OVERLAP_MS_MAX);
  });

  test("refuses what is unreadable or over 7 days, naming /overlap", () => {
    for (const bad of ["7d 1ms", "8d", "", "soon", "24", "-1h", "1.5ms"]) {
      let caught: unknown;
      try {
        rotationOverlapMs(bad);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(DomainError);
      expect((caught as DomainError).issues).toEqual([{ field: "/overlap", reason: expect.any(String) }]);
    }
  });
});
